import type { KernelSet } from './kernel-set.js';
import { paddedColumns } from './packing.js';

/**
 * How every matmul over one [K, N] weight matrix sums K: in `chunks` chunks of `kc`
 * rows, each a sequential fma chain from zero, then the chunks' sums added in order.
 * The split-K GEMV needs chunks to have threads enough (shaders/gemv_splitk.wgsl);
 * gemm_tiled follows the same chunks, so a row gets the same bits through either
 * kernel. Depends on the matrix and the kernel set only, never on the rows, so
 * batching leaves every row's result alone. One chunk (kc = K) is the plain chain
 * that lane_matmul (the SwiftShader GEMV and gemm_direct) computes.
 */
export function kChunks(K: number, N: number, k: KernelSet): { kc: number; chunks: number } {
  if (k.gemv.variant !== 'splitk') return { kc: K, chunks: 1 };
  const quads = paddedColumns(N) / 4; // the split-K GEMV's invocations per chunk
  const step = k.gemm.tileK; // gemm_tiled can only end a chunk where a tile ends
  const wanted = Math.min(Math.max(1, Math.ceil(k.gemv.splitInvocations / quads)), Math.ceil(K / step));
  const kc = Math.ceil(K / wanted / step) * step;
  return { kc, chunks: Math.ceil(K / kc) };
}
