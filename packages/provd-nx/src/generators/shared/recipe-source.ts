/**
 * build.py read and edited as text, the way a maintainer would: declared
 * targets are found where they are written (a decorated function, or a row
 * of a table a loop turns into targets), so a new model is added in the
 * style the file already uses and the rest of the file stays byte for byte.
 */

/** `@target('7.5.5', 'xivo-cisco-spa-7.5.5'[, std_dirs=False])` then `def name(path):` and its body. */
export interface DecoratedTarget {
  kind: 'decorated';
  folder: string;
  pluginId: string;
  /** first line of the decorator, last line of the body (inclusive, 0-based) */
  start: number;
  end: number;
  functionName: string;
}

/** One row `('8.4.35', 'xivo-snom-8.4.35'),` of a table `NAME = [...]` iterated by a `for` loop. */
export interface TableRow {
  kind: 'row';
  folder: string;
  pluginId: string;
  table: string;
  line: number;
}

export type DeclaredTarget = DecoratedTarget | TableRow;

const STR = String.raw`(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")`;
const DECORATOR = new RegExp(String.raw`^@target\(\s*${STR}\s*,\s*${STR}\s*(?:,[^)]*)?\)\s*(?:#.*)?$`);
const DEF = /^def\s+([A-Za-z_]\w*)\s*\(/;
const TABLE_START = /^([A-Za-z_]\w*)\s*=\s*[[(]\s*(?:#.*)?$/;
const ROW = new RegExp(String.raw`^(\s+)\(\s*${STR}\s*,\s*${STR}\s*(?:,.*)?\)\s*,?\s*(?:#.*)?$`);
const TABLE_END = /^\s*[\])]\s*(?:#.*)?$/;

export class RecipeSource {
  readonly lines: string[];
  readonly targets: DeclaredTarget[];

  constructor(readonly text: string, readonly file: string) {
    this.lines = text.split('\n');
    this.targets = [...this.decorated(), ...this.tableRows()];
  }

  private decorated(): DecoratedTarget[] {
    const found: DecoratedTarget[] = [];
    this.lines.forEach((line, i) => {
      const m = DECORATOR.exec(line);
      if (!m) return;
      const def = DEF.exec(this.lines[i + 1] ?? '');
      if (!def) return;
      let end = i + 1;
      for (let j = i + 2; j < this.lines.length; j++) {
        const l = this.lines[j];
        if (l.trim() === '') continue;
        if (!/^\s/.test(l)) break;
        end = j;
      }
      found.push({ kind: 'decorated', folder: m[1] ?? m[2], pluginId: m[3] ?? m[4], start: i, end, functionName: def[1] });
    });
    return found;
  }

  /** Rows of tables that some top-level `for ... in TABLE:` loop walks. */
  private tableRows(): TableRow[] {
    const looped = new Set([...this.text.matchAll(/^for\s+.+?\s+in\s+([A-Za-z_]\w*)\s*:/gm)].map((m) => m[1]));
    const rows: TableRow[] = [];
    for (let i = 0; i < this.lines.length; i++) {
      const start = TABLE_START.exec(this.lines[i]);
      if (!start || !looped.has(start[1])) continue;
      for (let j = i + 1; j < this.lines.length && !TABLE_END.test(this.lines[j]); j++) {
        const row = ROW.exec(this.lines[j]);
        if (row) rows.push({ kind: 'row', folder: row[2] ?? row[3], pluginId: row[4] ?? row[5], table: start[1], line: j });
      }
    }
    return rows;
  }

  /** Spelling mistakes are not styles: a decorator we cannot read must not be skipped silently. */
  unreadTargetLines(): number[] {
    const read = new Set(this.targets.filter((t) => t.kind === 'decorated').map((t) => (t as DecoratedTarget).start));
    return this.lines.flatMap((l, i) => (/^@target\b/.test(l) && !read.has(i) ? [i + 1] : []));
  }

  /**
   * The text with a target for `folder`/`pluginId` added in the style of
   * `like` (a copy of its function or table row, its own folder renamed).
   */
  withTargetLike(like: DeclaredTarget, folder: string, pluginId: string): string {
    const lines = [...this.lines];
    if (like.kind === 'row') {
      // every row ends with a comma once another follows it
      const withComma = (l: string) => (/\)\s*,/.test(l) ? l : l.replace(/\)(\s*(#.*)?)$/, '),$1'));
      const row = lines[like.line];
      lines[like.line] = withComma(row);
      lines.splice(like.line + 1, 0, withComma(replaceFirstStrings(row, [like.folder, like.pluginId], [folder, pluginId])));
      return lines.join('\n');
    }
    const block = lines.slice(like.start, like.end + 1);
    const fn = `build_${folder.replace(/[^A-Za-z0-9_]/g, '_')}`;
    const copy = block.map((l, i) => {
      if (i === 0) return replaceFirstStrings(l, [like.folder, like.pluginId], [folder, pluginId]);
      if (i === 1) return l.replace(DEF, (m) => m.replace(like.functionName, fn));
      // the model's own folder in path strings: 'old/' or "old/..."
      return l.replace(new RegExp(String.raw`(['"])${escape(like.folder)}/`, 'g'), `$1${folder}/`);
    });
    lines.splice(like.end + 1, 0, '', '', ...copy);
    return lines.join('\n');
  }
}

function replaceFirstStrings(line: string, from: string[], to: string[]): string {
  let out = line;
  let searchFrom = 0;
  from.forEach((old, i) => {
    const re = new RegExp(String.raw`(['"])${escape(old)}\1`, 'g');
    re.lastIndex = searchFrom;
    const m = re.exec(out);
    if (!m) return;
    const replacement = `${m[1]}${to[i]}${m[1]}`;
    out = out.slice(0, m.index) + replacement + out.slice(m.index + m[0].length);
    searchFrom = m.index + replacement.length;
  });
  return out;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
