import type { RopeTable } from '../numeric/rope-table.js';

// Rotary position embedding, Hugging Face Llama's "rotate half" form: within a head of
// size Dh, element i pairs with element i + Dh/2 and both turn by the angle
// pos * theta^(-2i/Dh), read from the table src/numeric/rope-table.ts makes.

/**
 * Rotates, in place, the first `ropeHeads` heads of every row of x. x [T, stride]
 * with heads of Dh starting at column 0; in the fused QKV layout that is the H
 * query heads and the Hkv key heads, leaving V untouched.
 */
export function rope(
  x: Float32Array,
  positions: ArrayLike<number>,
  table: RopeTable,
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
