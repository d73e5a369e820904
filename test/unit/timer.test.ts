import { describe, expect, it } from 'vitest';
import { detectQuantumNs, passDuration, repeatsToAmortize } from '../../src/gpu/timer.js';
import { percentile } from '../../src/sched/metrics.js';
import { medianIndex, stats } from '../../src/perf/stats.js';

describe('timer arithmetic', () => {
  it('a pass lasts end - begin', () => expect(passDuration(1000n, 4500n)).toBe(3500));
  it('drops negative deltas (a wrapped or reordered counter) and missing values', () => {
    expect(passDuration(5000n, 4000n)).toBeNaN();
    expect(passDuration(0n, 4000n)).toBeNaN();
    expect(passDuration(4000n, 0n)).toBeNaN();
    expect(passDuration(2n ** 64n - 10n, 5n)).toBeNaN();
  });
  it('finds the quantum of coarse timestamps: 65,536 ns (Dawn) and 100 us (Chrome)', () => {
    expect(detectQuantumNs([65536, 131072, 65536 * 7, 0])).toBe(65536);
    expect(detectQuantumNs([100_000, 300_000, 200_000])).toBe(100_000);
  });
  it('sees fine timestamps as unquantized', () => {
    expect(detectQuantumNs([12345, 67891, 4242])).toBe(1);
    expect(detectQuantumNs([NaN, 5])).toBe(1);
  });
  it('repeats work until a quantum is 1% of the span', () => {
    expect(repeatsToAmortize(100_000, 50_000)).toBe(200);
    expect(repeatsToAmortize(1, 50_000)).toBe(1);
    expect(repeatsToAmortize(65536, 1e9)).toBe(1);
  });
});

describe('statistics', () => {
  it('medians and spreads', () => {
    expect(stats([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, n: 3 });
    expect(stats([4, 1, 3, 2]).median).toBe(2.5);
  });
  it('picks the median run by index: the lower middle for an even count, the earlier on ties', () => {
    expect(medianIndex([3.9, 3.6, 3.7])).toBe(2);
    expect(medianIndex([5])).toBe(0);
    expect(medianIndex([4, 1, 3, 2])).toBe(3); // 2, the smaller of the middle two (2, 3)
    expect(medianIndex([2, 1])).toBe(1);
    expect(medianIndex([7, 7, 7])).toBe(1);
    expect(medianIndex([1, 7, 7])).toBe(1);
    expect(() => medianIndex([])).toThrow(RangeError);
  });
  it('percentiles interpolate like numpy', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 99)).toBeCloseTo(3.97, 10);
    expect(percentile([7], 90)).toBe(7);
  });
});
