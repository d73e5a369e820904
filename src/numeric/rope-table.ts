/** cos and sin of every position's angle for every rotary pair: [C, Dh/2] each. */
export interface RopeTable {
  cos: Float32Array;
  sin: Float32Array;
}

/**
 * The table for RoPE's "rotate half" pairing, angle pos * theta^(-2i/Dh) for pair i.
 * Made once in f64 and rounded: the GPU kernel (uploaded) and the CPU reference use
 * the very same numbers, so RoPE adds no disagreement between them.
 */
export function ropeTable(contextLength: number, headDim: number, theta: number): RopeTable {
  const half = headDim / 2;
  const cos = new Float32Array(contextLength * half);
  const sin = new Float32Array(contextLength * half);
  for (let p = 0; p < contextLength; p++)
    for (let i = 0; i < half; i++) {
      const angle = p * theta ** ((-2 * i) / headDim);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  return { cos, sin };
}
