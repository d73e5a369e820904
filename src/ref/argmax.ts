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
