/**
 * A small seeded generator (mulberry32): fast enough to fill hundreds of MiB
 * of synthetic weights, identical on every platform, which is all it must be.
 */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills `out` with uniform values of the given standard deviation. */
export function fillUniform(out: Float32Array, std: number, rand: () => number): Float32Array {
  const a = std * Math.sqrt(3); // U(-a, a) has variance a^2 / 3
  for (let i = 0; i < out.length; i++) out[i] = (rand() * 2 - 1) * a;
  return out;
}
