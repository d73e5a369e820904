/**
 * out[m, n] = sum_k a[m, k] * w[k, n]. Shapes: a [M, K], w [K, N], out [M, N].
 * Accumulates in f64 (JS numbers) and rounds once: the reference is the exact answer
 * to within one f32 rounding, so GPU error bounds can be stated against it. Mirrors
 * kernels/gemm.ts (prefill); the model's forward pass uses it for every matmul.
 */
export function gemm(a: Float32Array, w: Float32Array, M: number, K: number, N: number): Float32Array {
  const out = new Float32Array(M * N);
  const acc = new Float64Array(N);
  for (let m = 0; m < M; m++) {
    acc.fill(0);
    for (let k = 0; k < K; k++) {
      const av = a[m * K + k]!;
      const row = k * N;
      for (let n = 0; n < N; n++) acc[n]! += av * w[row + n]!;
    }
    out.set(acc, m * N);
  }
  return out;
}

/** sum_k |a[m, k] * w[k, n]|: the scale that bounds the rounding error of any f32 summation order. */
export function gemmAbs(a: Float32Array, w: Float32Array, M: number, K: number, N: number): Float32Array {
  const abs = (x: Float32Array) => x.map(Math.abs);
  return gemm(abs(a), abs(w), M, K, N);
}
