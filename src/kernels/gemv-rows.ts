import type { Tuning } from '../gpu/tuning.js';

// The GEMV's shape facts, apart from its shaders so the cost model can use them.

/** Row counts a GEMV pipeline is compiled for; B rows use the smallest bucket >= B. */
export const GEMV_BUCKETS = [1, 2, 4, 8, 16] as const;
/** Rows one GEMV step accepts, all reading the weights once: the largest bucket. */
export const GEMV_MAX_ROWS = GEMV_BUCKETS[GEMV_BUCKETS.length - 1]!;

/** Dispatches one GEMV takes under this tuning: the split-K one sums its chunks in a second pass. */
export function gemvDispatches(t: Tuning): number {
  return t.gemv.variant === 'splitk' ? 2 : 1;
}

/**
 * 8-column blocks per lane in the lane GEMV's one-row bucket (gemv.wgsl's gemv_wide):
 * the adapter's gemv.blocksAtB1 under the lanes variant, else 1. The read ceiling
 * (read_stream) reads with the same blocks, so it measures exactly these loads.
 */
export function oneRowBlocks(t: Tuning): number {
  return t.gemv.variant === 'lanes' ? t.gemv.blocksAtB1 : 1;
}
