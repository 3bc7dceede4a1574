/**
 * A shell command line (`sed -e "s/a/b/g" in > $OUT/x`, as recipes write them
 * for os.system or shell=True) split the way /bin/sh splits it, for the one
 * shape replayed natively: words and at most one `> file`. Words may be plain
 * (letters, digits and `_@%+=:,./-`), single-quoted, or double-quoted without
 * `$`, backquotes, backslashes or `!`. Anything the shell would expand or
 * interpret otherwise (variables, globs, `~`, other redirections, pipes, lists,
 * comments, escapes) gives null, and the command keeps running in a real shell.
 */
export interface ShellCommand {
  argv: string[];
  /** the file after `>` */
  stdout?: string;
}

const PLAIN = /[A-Za-z0-9_@%+=:,./-]/;

export function splitShellCommand(line: string): ShellCommand | null {
  const words: string[] = [];
  let stdout: string | undefined;
  let word: string | null = null; // null: between words
  let redirect = false; // the next word is the file after `>`
  const endWord = (): boolean => {
    if (word === null) return true;
    if (redirect) {
      if (stdout !== undefined) return false;
      stdout = word;
      redirect = false;
    } else {
      words.push(word);
    }
    word = null;
    return true;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      if (!endWord()) return null;
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) return null;
      word = (word ?? '') + line.slice(i + 1, close);
      i = close;
    } else if (c === '"') {
      const close = line.indexOf('"', i + 1);
      if (close < 0) return null;
      const quoted = line.slice(i + 1, close);
      if (/[$`\\!]/.test(quoted)) return null;
      word = (word ?? '') + quoted;
      i = close;
    } else if (c === '>') {
      // `2>x`, `a>x` (glued), `>>`, `>|`, `>&` and a second `>` are not this shape
      if (word !== null || redirect || stdout !== undefined || '>|&'.includes(line[i + 1] ?? ' ')) return null;
      redirect = true;
    } else if (PLAIN.test(c)) {
      word = (word ?? '') + c;
    } else {
      return null;
    }
  }
  if (!endWord() || redirect) return null;
  return words.length ? { argv: words, ...(stdout !== undefined ? { stdout } : {}) } : null;
}
