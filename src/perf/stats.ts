/** Median and spread of repeated timings: benchmarks report medians, never single runs. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

/**
 * Which of several runs is the median one: for an even count the smaller of the middle
 * two, so a report can show one run's own figures (a serve replay's records) rather
 * than a blend of two. Ties go to the earlier run.
 */
export function medianIndex(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('medianIndex needs at least one value');
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return order[(order.length - 1) >> 1]![1];
}
