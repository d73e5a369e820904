/**
 * Writes each row's key and value into its sequence's paged cache, in place. Mirrors
 * kernels/kv_write.ts. qkv [rows, qkvStride] with the key at column kOffset and the value
 * right after it (kvWidth each); positions and seqs [rows]; blockTable [seqSlots,
 * blocksPerSeq] names the block that holds each run of blockSize positions; cache
 * [2, capacity, kvWidth]: keys, then values. Returns the cache.
 */
export function kvWrite(
  qkv: Float32Array,
  positions: ArrayLike<number>,
  seqs: ArrayLike<number>,
  blockTable: ArrayLike<number>,
  cache: Float32Array,
  dims: { rows: number; qkvStride: number; kOffset: number; kvWidth: number; blockSize: number; blocksPerSeq: number; capacity: number },
): Float32Array {
  const { kvWidth: W } = dims;
  for (let t = 0; t < dims.rows; t++) {
    const p = positions[t]!;
    const slot = blockTable[seqs[t]! * dims.blocksPerSeq + Math.floor(p / dims.blockSize)]! * dims.blockSize + (p % dims.blockSize);
    const src = t * dims.qkvStride + dims.kOffset;
    cache.set(qkv.subarray(src, src + W), slot * W);
    cache.set(qkv.subarray(src + W, src + 2 * W), (dims.capacity + slot) * W);
  }
  return cache;
}
