/** Tasks Nx reports as failed, from its closing "Failed tasks:" list (sorted). */
export function failedTasks(output: string): string[] {
  const at = output.indexOf('Failed tasks:');
  if (at < 0) return [];
  return [...output.slice(at).matchAll(/^\s*- (\S+:\S+)/gm)].map((m) => m[1]).sort();
}
