/** Where a key of a pkgs.db section is written: for the line to change, and for --fix. */
export interface KeyLine {
  /** 1-based line number */
  line: number;
  /** the line as written */
  text: string;
  /** the text before the value (key, separator, spaces) */
  prefix: string;
}

/** The line of `key` in `[section]`, read as configparser reads it (keys case-insensitive). */
export function locateKey(text: string, section: string, key: string): KeyLine | null {
  const lines = text.split('\n');
  let inSection = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    const stripped = raw.trim();
    const header = /^\[(.+)\]$/.exec(stripped);
    if (header && raw === raw.trimStart()) {
      inSection = header[1] === section;
      continue;
    }
    if (!inSection || stripped === '' || /^[#;]/.test(stripped) || raw !== raw.trimStart()) continue;
    const m = /^(.*?)\s*[=:]\s*/.exec(raw);
    if (m && m[1].toLowerCase() === key.toLowerCase()) return { line: i + 1, text: raw, prefix: m[0] };
  }
  return null;
}
