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
