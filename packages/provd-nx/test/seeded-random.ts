/**
 * Seeded pseudo-random generators for specs, generated collections and benchmarks: one seed
 * gives one sequence, so a generated tree or collection can be replayed from its seed.
 * Two algorithms, because generated collections (xorshift32) and fuzzed trees (mulberry32)
 * are each pinned to the sequence they were written with.
 */

/** xorshift32, in [0, 1). */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

/** mulberry32, in [0, 1): small, fast, good enough to drive a fuzzer. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}
