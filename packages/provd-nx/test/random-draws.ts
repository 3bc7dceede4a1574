/** The fuzzer's draws: integers, chances, picks and weighted picks over one seeded sequence. */
import { mulberry32 } from './seeded-random';

export interface Rng {
  next(): number;
  /** integer in [lo, hi] */
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T;
}

/** The fuzzer's draws, over mulberry32: one seed gives one sequence. */
export function makeRng(seed: number): Rng {
  const next = mulberry32(seed);
  const rng: Rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    weighted: (choices) => {
      const total = choices.reduce((a, [, w]) => a + w, 0);
      let r = next() * total;
      for (const [v, w] of choices) {
        if ((r -= w) < 0) return v;
      }
      return choices[choices.length - 1][0];
    },
  };
  return rng;
}
