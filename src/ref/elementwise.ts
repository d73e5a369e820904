/**
 * The small kernels' references: embedding gather, RMSNorm, SwiGLU, residual
 * add and argmax. Each mirrors the kernel of the same name in src/kernels/.
 */

/** out[t, :] = table[ids[t], :]. table [V, D], out [T, D]. */
export function embedding(table: Float32Array, ids: ArrayLike<number>, D: number): Float32Array {
  const out = new Float32Array(ids.length * D);
  for (let t = 0; t < ids.length; t++) out.set(table.subarray(ids[t]! * D, (ids[t]! + 1) * D), t * D);
  return out;
}

/** out[m, :] = x[m, :] / sqrt(mean(x[m, :]^2) + eps) * gain. x [M, D]. */
export function rmsnorm(x: Float32Array, gain: Float32Array, M: number, D: number, eps: number): Float32Array {
  const out = new Float32Array(M * D);
  for (let m = 0; m < M; m++) {
    let ss = 0;
    for (let d = 0; d < D; d++) ss += x[m * D + d]! ** 2;
    const scale = 1 / Math.sqrt(ss / D + eps);
    for (let d = 0; d < D; d++) out[m * D + d] = x[m * D + d]! * scale * gain[d]!;
  }
  return out;
}

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

/** x += y, in place (the residual stream). */
export function add(x: Float32Array, y: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) x[i]! += y[i]!;
  return x;
}

/** Index of the largest value of each row; the first one wins a tie. logits [M, V]. */
export function argmax(logits: Float32Array, M: number, V: number): Uint32Array {
  const out = new Uint32Array(M);
  for (let m = 0; m < M; m++) {
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[m * V + v]! > logits[m * V + best]!) best = v;
    out[m] = best;
  }
  return out;
}
