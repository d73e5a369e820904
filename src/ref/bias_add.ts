/** x[t, :] += bias, in place, for every row t of x [T, N]: the Q|K|V biases (Qwen2). */
export function biasAdd(x: Float32Array, bias: Float32Array, T: number, N: number): Float32Array {
  for (let t = 0; t < T; t++) for (let j = 0; j < N; j++) x[t * N + j] = x[t * N + j]! + bias[j]!;
  return x;
}
