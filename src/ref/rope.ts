/**
 * Rotary position embedding, Hugging Face Llama's "rotate half" form: within a
 * head of size Dh, element i pairs with element i + Dh/2 and both turn by the
 * angle pos * theta^(-2i/Dh).
 */

/** cos and sin for every position and pair: [C, Dh/2] each. Made once, in f64, then
 *  uploaded: GPU and CPU use the very same numbers, so RoPE adds no disagreement. */
export function ropeTable(contextLength: number, headDim: number, theta: number): { cos: Float32Array; sin: Float32Array } {
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

/**
 * Rotates, in place, the first `ropeHeads` heads of every row of x. x [T, stride]
 * with heads of Dh starting at column 0; in the fused QKV layout that is the H
 * query heads and the Hkv key heads, leaving V untouched.
 */
export function rope(
  x: Float32Array,
  positions: ArrayLike<number>,
  table: { cos: Float32Array; sin: Float32Array },
  T: number,
  stride: number,
  ropeHeads: number,
  headDim: number,
): Float32Array {
  const half = headDim / 2;
  for (let t = 0; t < T; t++) {
    const p = positions[t]!;
    for (let h = 0; h < ropeHeads; h++) {
      const base = t * stride + h * headDim;
      for (let i = 0; i < half; i++) {
        const c = table.cos[p * half + i]!;
        const s = table.sin[p * half + i]!;
        const a = x[base + i]!;
        const b = x[base + i + half]!;
        x[base + i] = a * c - b * s;
        x[base + i + half] = b * c + a * s;
      }
    }
  }
  return x;
}
