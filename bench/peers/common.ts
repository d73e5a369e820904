// What the peers (bench/peers/*.ts) share: their row, their inputs, their check.
import type { Stats } from '../../src/perf/stats.js';

/** One shape through a peer library's matmul, timed on our clock (PassClock.around). */
export interface PeerMatmulRow {
  /** Library and version, e.g. "tfjs-backend-webgpu 4.22.0". */
  peer: string;
  kernel: 'gemv' | 'gemm';
  M: number;
  K: number;
  N: number;
  ms: Stats;
  gflops: number;
  /** Largest |peer - CPU| over the first output row, against that row's largest |value|: the peer computed this product. */
  firstRowRelErr: number;
}

/** Deterministic values in [-1, 1) (a peer's inputs; the CPU check recomputes from them). */
export function peerValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** max |got - a[0,:] . b| over the row, over the row's largest |value| (f64 reference). */
export function firstRowError(got: Float32Array, a: Float32Array, b: Float32Array, K: number, N: number): number {
  let maxErr = 0;
  let scale = 0;
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a[k]! * b[k * N + n]!;
    maxErr = Math.max(maxErr, Math.abs(got[n]! - s));
    scale = Math.max(scale, Math.abs(s));
  }
  return maxErr / Math.max(scale, 1e-30);
}

export function peerRow(peer: string, M: number, K: number, N: number, ms: Stats, firstRowRelErr: number): PeerMatmulRow {
  return { peer, kernel: M === 1 ? 'gemv' : 'gemm', M, K, N, ms, gflops: (2 * M * K * N) / ms.median / 1e6, firstRowRelErr };
}
