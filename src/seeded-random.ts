/**
 * A small deterministic generator (mulberry32) of numbers in [0, 1): the same
 * seed always gives the same sequence, so generated data can be made again
 * and a randomized test's failure names the seed that reproduces it.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
