/**
 * Per-head RMSNorm (Qwen3's q_norm and k_norm), in place: in each row of x [T, stride], the
 * first qHeads heads of Dh are normed with qGain, the next kHeads with kGain, each over its
 * own Dh values. In the fused Q|K|V layout that is every query and key head, V untouched.
 */
export function headRmsnorm(
  x: Float32Array,
  qGain: Float32Array,
  kGain: Float32Array,
  T: number,
  stride: number,
  qHeads: number,
  kHeads: number,
  Dh: number,
  eps: number,
): Float32Array {
  for (let t = 0; t < T; t++)
    for (let h = 0; h < qHeads + kHeads; h++) {
      const base = t * stride + h * Dh;
      const gain = h < qHeads ? qGain : kGain;
      let ss = 0;
      for (let d = 0; d < Dh; d++) ss += x[base + d]! ** 2;
      const scale = 1 / Math.sqrt(ss / Dh + eps);
      for (let d = 0; d < Dh; d++) x[base + d] = x[base + d]! * scale * gain[d]!;
    }
  return x;
}
