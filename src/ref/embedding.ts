/** out[t, :] = table[ids[t], :]. table [V, D], out [T, D]. */
export function embedding(table: Float32Array, ids: ArrayLike<number>, D: number): Float32Array {
  const out = new Float32Array(ids.length * D);
  for (let t = 0; t < ids.length; t++) out.set(table.subarray(ids[t]! * D, (ids[t]! + 1) * D), t * D);
  return out;
}
