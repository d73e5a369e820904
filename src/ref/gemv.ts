/**
 * out[b, n] = x[b, :] . w[:, n] for each of B rows: one dot product per output, over k in
 * order, accumulated in f64 and rounded once. x [B, K], w [K, N], out [B, N]. Mirrors
 * kernels/gemv.ts (decode), whose rows share one read of w; gives the bits ref/gemm.ts
 * gives (the same sums in the same order).
 */
export function gemv(x: Float32Array, w: Float32Array, B: number, K: number, N: number): Float32Array {
  const out = new Float32Array(B * N);
  for (let b = 0; b < B; b++)
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += x[b * K + k]! * w[k * N + n]!;
      out[b * N + n] = acc;
    }
  return out;
}
