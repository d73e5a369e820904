/** out[t, i] = silu(gu[t, i]) * gu[t, F + i], silu(x) = x / (1 + e^-x). gu [T, 2F], out [T, F]. */
export function swiglu(gu: Float32Array, T: number, F: number): Float32Array {
  const out = new Float32Array(T * F);
  for (let t = 0; t < T; t++)
    for (let i = 0; i < F; i++) {
      const g = gu[t * 2 * F + i]!;
      out[t * F + i] = (g / (1 + Math.exp(-g))) * gu[t * 2 * F + F + i]!;
    }
  return out;
}
