import type { Tuning } from '../gpu/tuning.js';

// The GEMV's shape facts, apart from its shaders so the cost model can use them.

/** Row counts a GEMV pipeline is compiled for; B rows use the smallest bucket >= B. */
export const GEMV_BUCKETS = [1, 2, 4, 8, 16] as const;
/** Rows one GEMV step accepts, all reading the weights once: the largest bucket. */
export const GEMV_MAX_ROWS = GEMV_BUCKETS[GEMV_BUCKETS.length - 1]!;

/** The smallest bucket >= rows (a plain loop: the GEMV's encode() runs every decode step and allocates nothing). */
export function bucketFor(rows: number): number {
  for (let i = 0; i < GEMV_BUCKETS.length; i++) if (GEMV_BUCKETS[i]! >= rows) return GEMV_BUCKETS[i]!;
  return GEMV_MAX_ROWS;
}

/** Dispatches one GEMV takes under this tuning: the split-K one sums its chunks in a second pass. */
export function gemvDispatches(t: Tuning): number {
  return t.gemv.variant === 'splitk' ? 2 : 1;
}

/**
 * Octets of 8 columns per lane in the lane GEMV's bucket of `bucket` rows (one of
 * GEMV_BUCKETS): the adapter's gemv.blocks under the lanes variant, else 1.
 */
export function gemvBlocks(t: Tuning, bucket: number): number {
  const i = GEMV_BUCKETS.indexOf(bucket as (typeof GEMV_BUCKETS)[number]);
  if (i < 0) throw new RangeError(`no GEMV bucket of ${bucket} rows (buckets: ${GEMV_BUCKETS.join(', ')})`);
  return t.gemv.variant === 'lanes' ? t.gemv.blocks[i]! : 1;
}

/** The one-row bucket's blocks: the read ceiling (read_stream) reads with them, so it measures exactly the decode GEMV's loads. */
export function oneRowBlocks(t: Tuning): number {
  return gemvBlocks(t, 1);
}
