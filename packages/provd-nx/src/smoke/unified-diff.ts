/**
 * A unified diff of two texts (as `diff -u` prints it, 3 lines of context), so a snapshot
 * difference shows the changed lines. Common head and tail are trimmed first; the rest is a
 * longest-common-subsequence diff, or one replaced block when that would be too large to compute.
 */

const CONTEXT = 3;
const MAX_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += '\n\\ No newline at end of file';
  return lines;
}

function ops(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const out: Op[] = [];
  for (let i = 0; i < head; i++) out.push({ kind: ' ', line: a[i], a: i, b: i });
  if ((am.length + 1) * (bm.length + 1) > MAX_CELLS) {
    am.forEach((line, i) => out.push({ kind: '-', line, a: head + i, b: head }));
    bm.forEach((line, j) => out.push({ kind: '+', line, a: head + am.length, b: head + j }));
  } else {
    // lcs[i][j]: length of the LCS of am[i..] and bm[j..]
    const w = bm.length + 1;
    const lcs = new Uint32Array((am.length + 1) * w);
    for (let i = am.length - 1; i >= 0; i--) {
      for (let j = bm.length - 1; j >= 0; j--) {
        lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < am.length || j < bm.length) {
      if (i < am.length && j < bm.length && am[i] === bm[j]) {
        out.push({ kind: ' ', line: am[i], a: head + i++, b: head + j++ });
      } else if (j < bm.length && (i === am.length || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) {
        out.push({ kind: '+', line: bm[j], a: head + i, b: head + j++ });
      } else {
        out.push({ kind: '-', line: am[i], a: head + i++, b: head + j });
      }
    }
    // diff -u prints a block's removals before its additions
    for (let k = 0; k < out.length; k++) {
      if (out[k].kind !== '+') continue;
      let end = k;
      while (end < out.length && out[end].kind !== ' ') end++;
      const block = out.slice(k, end);
      out.splice(k, block.length, ...block.filter((o) => o.kind === '-'), ...block.filter((o) => o.kind === '+'));
      k = end;
    }
  }
  for (let t = 0; t < tail; t++) out.push({ kind: ' ', line: a[a.length - tail + t], a: a.length - tail + t, b: b.length - tail + t });
  return out;
}

/** `--- from` / `+++ to` headers and hunks; empty when the texts are equal. */
export function unifiedDiff(from: string, to: string, fromLabel: string, toLabel: string): string {
  if (from === to) return '';
  const all = ops(splitLines(from), splitLines(to));
  const changed = all.map((o, k) => (o.kind !== ' ' ? k : -1)).filter((k) => k >= 0);
  const out = [`--- ${fromLabel}`, `+++ ${toLabel}`];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k] - CONTEXT);
    let end = changed[k];
    while (k + 1 < changed.length && changed[k + 1] - end <= 2 * CONTEXT) end = changed[++k];
    end = Math.min(all.length, end + CONTEXT + 1);
    k++;
    const hunk = all.slice(start, end);
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    const aStart = aLen ? hunk.find((o) => o.kind !== '+')!.a + 1 : hunk[0].a;
    const bStart = bLen ? hunk.find((o) => o.kind !== '-')!.b + 1 : hunk[0].b;
    out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`);
    for (const o of hunk) out.push(o.kind + o.line);
  }
  return out.join('\n') + '\n';
}
