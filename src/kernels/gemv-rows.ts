// The GEMV's row buckets, apart from its shaders so the cost model and the step list can use them.

/** Row counts a GEMV pipeline is compiled for; B rows use the smallest bucket >= B. */
export const GEMV_BUCKETS = [1, 2, 4, 8, 16] as const;
/** Rows one GEMV step accepts, all reading the weights once: the largest bucket. */
export const GEMV_MAX_ROWS = GEMV_BUCKETS[GEMV_BUCKETS.length - 1]!;

/** The smallest bucket >= rows (a plain loop: the GEMV's encode() runs every decode step and allocates nothing). */
export function bucketFor(rows: number): number {
  for (let i = 0; i < GEMV_BUCKETS.length; i++) if (GEMV_BUCKETS[i]! >= rows) return GEMV_BUCKETS[i]!;
  return GEMV_MAX_ROWS;
}
