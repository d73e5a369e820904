/**
 * Causal grouped-query attention of T new tokens over a sequence's cache.
 * Query row t sits at absolute position positions[t] and sees cache positions
 * 0..positions[t] (its own key included, written before attention runs).
 * q [T, qStride] with head h at column h*Dh; kCache, vCache [C, Hkv*Dh] (one
 * sequence, contiguous); out [T, H*Dh]. Query head h reads KV head
 * floor(h / (H/Hkv)). Mirrors kernels/attention.ts, which reads the cache
 * through a block table instead.
 */
export function attention(
  q: Float32Array,
  qStride: number,
  kCache: Float32Array,
  vCache: Float32Array,
  positions: ArrayLike<number>,
  T: number,
  H: number,
  Hkv: number,
  Dh: number,
): Float32Array {
  const out = new Float32Array(T * H * Dh);
  const group = H / Hkv;
  const scale = 1 / Math.sqrt(Dh);
  const kvStride = Hkv * Dh;
  for (let t = 0; t < T; t++) {
    const last = positions[t]!;
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / group);
      const qo = t * qStride + h * Dh;
      const scores = new Float64Array(last + 1);
      let max = -Infinity;
      for (let j = 0; j <= last; j++) {
        let s = 0;
        for (let d = 0; d < Dh; d++) s += q[qo + d]! * kCache[j * kvStride + g * Dh + d]!;
        scores[j] = s * scale;
        max = Math.max(max, scores[j]!);
      }
      let sum = 0;
      for (let j = 0; j <= last; j++) sum += scores[j] = Math.exp(scores[j]! - max);
      for (let d = 0; d < Dh; d++) {
        let acc = 0;
        for (let j = 0; j <= last; j++) acc += scores[j]! * vCache[j * kvStride + g * Dh + d]!;
        out[t * H * Dh + h * Dh + d] = acc / sum;
      }
    }
  }
  return out;
}
