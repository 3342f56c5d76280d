// The working tree's .lfslazyconfig, read without starting git (issue 13: a git process per command
// saved, two for `status`) — but only when the file keeps to a plain subset of git-config syntax
// in which this reading and `git config -f <file> --list` cannot differ: `[section]` headers
// without subsections, `key = value` lines whose value needs no unquoting (no quotes, backslashes,
// comment characters or tabs), whole-line comments and blank lines, in UTF-8 without a BOM. What
// `lfs-lazy install` writes is in it. Anything else (or a file that cannot be read) answers
// undefined, and the caller asks git as before, so git's own reading, errors and all, stays the
// rule for every other file.
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';

const SECTION = /^[ \t]*\[([A-Za-z0-9-]+)\][ \t]*$/;
// git trims the value and keeps the spaces inside it (a tab inside would become a space); a name
// starts with a letter.
const ENTRY = /^[ \t]*([A-Za-z][A-Za-z0-9-]*)[ \t]*=[ \t]*([^"\\#;\t]*?)[ \t]*$/;
const COMMENT_OR_BLANK = /^[ \t]*([#;].*)?$/;
// Control characters (a CR of a CRLF file among them) and git's byte-order mark are git's business.
const UNUSUAL = /[\x00-\x08\x0b-\x1f\x7f\ufeff]/;

// The entries as `git config -z -f <file> --list` lists them: `section.key` lower-cased, in order.
export function readPlainConfigFile(file: string): Array<[string, string]> | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (!isUtf8(bytes)) return undefined;
  const text = bytes.toString('utf8');
  if (UNUSUAL.test(text)) return undefined;
  const entries: Array<[string, string]> = [];
  let section: string | undefined;
  for (const line of text.split('\n')) {
    if (COMMENT_OR_BLANK.test(line)) continue;
    const header = SECTION.exec(line);
    if (header) {
      section = header[1]!.toLowerCase();
      continue;
    }
    const entry = ENTRY.exec(line);
    if (!entry || section === undefined) return undefined;
    entries.push([`${section}.${entry[1]!.toLowerCase()}`, entry[2]!]);
  }
  return entries;
}
