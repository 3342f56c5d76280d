// The LFS files of the index and of commits, listed once and answered from memory, for the
// long-lived readers (the library's Repository, batch mode, the read server): without them each
// read would ask git once (a `cat-file` of the index entry) which costs more than reading
// a local object. The index snapshot is taken again whenever the index file changes (git replaces
// it by a rename on every write, so its inode, size or mtime changes); a commit's tree never
// changes, so the last few commits read are kept as they are.
import { join } from 'node:path';
import { statQuietly } from '../util/stat-quietly.js';
import { listLfsFiles, type LfsFile } from './lfs-files.js';

type Files = Map<string, LfsFile>;

// Commits whose LFS files are kept (comparing two dataset versions needs two, and HEAD a third).
const KEPT_COMMITS = 4;

export class LfsSnapshots {
  private index: { signature: string; files: Promise<Files> } | undefined;
  private readonly commits = new Map<string, Promise<Files>>();
  // Full object ids already known to name a commit (an id never changes what it names).
  private readonly knownCommits = new Set<string>();

  constructor(
    private readonly root: string,
    gitDir: string,
  ) {
    this.indexFile = join(gitDir, 'index');
  }

  private readonly indexFile: string;

  // The index's LFS file at `path`, as lfsFileAt would find it.
  async inIndex(path: string): Promise<LfsFile | undefined> {
    const info = statQuietly(this.indexFile);
    const signature = info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'none';
    if (this.index?.signature !== signature) this.index = { signature, files: this.list() };
    return (await this.index.files).get(path);
  }

  // Lists the index now, for a reader about to be asked (the read server, once it listens): its
  // first read then starts no git process.
  async prepare(): Promise<void> {
    await this.inIndex('');
  }

  // The commit `rev` names: `resolve` asks git, unless `rev` is the full id of a commit seen before.
  async commitOf(rev: string, resolve: (rev: string) => Promise<string | undefined>): Promise<string | undefined> {
    const id = rev.toLowerCase();
    if (this.knownCommits.has(id)) return id;
    const commit = await resolve(rev);
    if (commit !== undefined && commit === id && this.knownCommits.size < 10_000) this.knownCommits.add(id);
    return commit;
  }

  // The LFS file at `path` in `commit` (a full object id), if it is one.
  async inCommit(commit: string, path: string): Promise<LfsFile | undefined> {
    let files = this.commits.get(commit);
    if (files === undefined) {
      files = this.list(commit);
      this.commits.set(commit, files);
      if (this.commits.size > KEPT_COMMITS) this.commits.delete(this.commits.keys().next().value!);
    } else {
      // Most recently used last.
      this.commits.delete(commit);
      this.commits.set(commit, files);
    }
    return (await files).get(path);
  }

  private list(commit?: string): Promise<Files> {
    const listed = listLfsFiles(this.root, [], commit).then(
      // Copied: each pointer is otherwise a view that keeps git's whole output chunk alive.
      (files) => new Map(files.map((f) => [f.path, { ...f, pointerBytes: Buffer.from(f.pointerBytes) }])),
    );
    // A failed listing is not kept: the next request asks git again.
    listed.catch(() => {
      if (this.index?.files === listed) this.index = undefined;
      if (commit !== undefined && this.commits.get(commit) === listed) this.commits.delete(commit);
    });
    return listed;
  }
}
