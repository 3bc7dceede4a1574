/**
 * --fix: rewrite the url: of each permanently moved file in its pkgs.db, nothing else. The
 * rewritten file is read back by xivo-fetchfw before it replaces the old one: every section
 * and key as before, the moved URLs excepted. --dry-run shows the lines and writes nothing.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { locateKey } from './locate';
import { readPkgsDbs, type PkgsDb } from './pkgs-db';

export interface UrlFix {
  /** absolute path of the pkgs.db */
  pkgsDb: string;
  section: string;
  from: string;
  to: string;
}

export interface FixOutcome {
  pkgsDb: string;
  line: number;
  before: string;
  after: string;
  written: boolean;
  /** why the file was left as it was */
  refused?: string;
}

function withoutUrls(db: PkgsDb, sections: Set<string>): unknown {
  return {
    files: db.files.map((f) => (sections.has(f.section) ? { ...f, url: null, resolvedFilename: null } : f)),
    pkgs: db.pkgs,
    installs: db.installs,
    problems: db.problems,
  };
}

export async function applyUrlFixes(fixes: UrlFix[], opts: { dryRun: boolean; pythonPath?: string }): Promise<FixOutcome[]> {
  const outcomes: FixOutcome[] = [];
  const byFile = new Map<string, UrlFix[]>();
  for (const f of fixes) byFile.set(f.pkgsDb, [...(byFile.get(f.pkgsDb) ?? []), f]);
  for (const [file, list] of byFile) {
    const text = await fsp.readFile(file, 'utf8');
    const lines = text.split('\n');
    const mine: FixOutcome[] = [];
    for (const fix of list) {
      const at = locateKey(text, fix.section, 'url');
      if (!at || at.text.slice(at.prefix.length).trim() !== fix.from) {
        throw new Error(`${file} [${fix.section}] url: not found as '${fix.from}': not rewritten`);
      }
      const after = at.prefix + fix.to;
      lines[at.line - 1] = lines[at.line - 1].endsWith('\r') ? after + '\r' : after;
      mine.push({ pkgsDb: file, line: at.line, before: at.text, after, written: false });
    }
    if (!opts.dryRun) {
      const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
      await fsp.writeFile(tmp, lines.join('\n'));
      try {
        const [before, now] = await readPkgsDbs([file, tmp], opts.pythonPath);
        const sections = new Set(list.map((f) => f.section));
        const urls = new Map(now.files.map((f) => [f.section, f.url]));
        const same = JSON.stringify(withoutUrls(before, sections)) === JSON.stringify(withoutUrls(now, sections));
        if (!same || list.some((f) => urls.get(f.section) !== f.to)) {
          const news = now.problems.filter((p) => !before.problems.some((b) => b.message === p.message)).map((p) => p.message);
          const why = `read back by xivo-fetchfw, the rewritten file differs in more than these URLs${news.length ? ` (${news.join('; ')})` : ''}: not written, change it by hand`;
          for (const m of mine) m.refused = why;
        } else {
          const { mode } = await fsp.stat(file);
          await fsp.chmod(tmp, mode);
          await fsp.rename(tmp, file);
          for (const m of mine) m.written = true;
        }
      } finally {
        await fsp.rm(tmp, { force: true });
      }
    }
    outcomes.push(...mine);
  }
  return outcomes;
}
