import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What builds and publishes need on the machine, with the package that brings each. */
export const REQUIRED_TOOLS = [
  { command: 'python3', why: 'runs build.py recipes', debian: 'python3', brew: 'python' },
  { command: 'rsync', why: 'copy steps of recipes, ssh and rsync:// repositories', debian: 'rsync', brew: 'rsync' },
  { command: 'bzip2', why: 'compresses packages (.tar.bz2)', debian: 'bzip2', brew: 'bzip2' },
] as const;

export type RequiredTool = (typeof REQUIRED_TOOLS)[number];

export function missingTools(path = process.env.PATH ?? ''): RequiredTool[] {
  const dirs = path.split(delimiter).filter(Boolean);
  return REQUIRED_TOOLS.filter((tool) => !dirs.some((dir) => isExecutable(join(dir, tool.command))));
}

export function installHint(missing: RequiredTool[]): string {
  const lines = missing.map((t) => `  ${t.command}: ${t.why}`);
  return [
    `@provd/nx needs ${missing.map((t) => t.command).join(', ')} on the PATH:`,
    ...lines,
    `Install with: sudo apt-get install ${missing.map((t) => t.debian).join(' ')}   (Debian/Ubuntu)`,
    `          or: brew install ${missing.map((t) => t.brew).join(' ')}   (macOS)`,
  ].join('\n');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
