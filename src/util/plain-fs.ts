// File-system calls as promises over node:fs's callbacks, without node:fs/promises: for the few
// calls of a command that finds nothing to change (status; hydrate or dehydrate of paths already as
// asked) and of `path --batch`'s answers, because node:fs/promises, with its FileHandle machinery, costs a process 1.2–2 ms to load
// here, a fixed cost of every such run (issue 13), while node:fs and node:util are loaded at every
// start; and for a plain descriptor rather than a FileHandle (`openFd`). Code that reads and writes
// through a FileHandle keeps node:fs/promises.
import {
  appendFile as appendFileCallback,
  lstat as lstatCallback,
  mkdir as mkdirCallback,
  open as openCallback,
  readdir as readdirCallback,
  readFile as readFileCallback,
  stat as statCallback,
  statfs as statfsCallback,
} from 'node:fs';
import { promisify } from 'node:util';

export const appendFile = promisify(appendFileCallback);
export const lstat = promisify(lstatCallback);
export const mkdir = promisify(mkdirCallback);
export const openFd = promisify(openCallback);
export const readdir = promisify(readdirCallback);
export const readFile = promisify(readFileCallback);
export const stat = promisify(statCallback);
export const statfs = promisify(statfsCallback);
