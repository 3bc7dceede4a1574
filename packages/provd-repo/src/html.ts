/** Minimal server-side HTML: every interpolated value goes through esc(). */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A URL path segment, escaped for an attribute. */
export function seg(value: string): string {
  return esc(encodeURIComponent(value));
}

/** Trusted markup built by the page functions (already escaped). */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Template tag: interpolations are escaped unless they are Html (or arrays of Html). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((v, i) => {
    const parts = Array.isArray(v) ? v : [v];
    out += parts.map((p) => (p instanceof Html ? p.text : esc(p))).join('') + strings[i + 1];
  });
  return new Html(out);
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}
code{font-size:.85em}.changed{background:#fff6d6}.added{background:#e3f7e3}.refused{background:#fbe0e0}nav a{margin-right:1rem}`;

export function page(title: string, prefix: string, body: Html): string {
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>${new Html(STYLE)}</style></head>
<body><nav><a href="${prefix}/">channels</a><a href="${prefix}/-/compare">testing vs stable</a></nav><h1>${title}</h1>
${body}</body></html>`.text}\n`;
}
