import { describe, expect, it } from 'vitest';
import { judgedKernelRows, type KernelBenchRow } from '../../bench/suites/kernel-bench.js';
import type { Ceilings } from '../../src/perf/ceilings.js';

const ms = { median: 10, min: 9, max: 11, n: 3 };
const ceilings = { readGBps: 2, f16ReadGBps: 0.5, fmaGflops: 20 } as Ceilings;

describe('kernel rows judged by ceilings', () => {
  it('divides by the ceilings suite and, for GEMV rows, by the ceilings timed beside them (f16: the lower roof)', () => {
    const rows: KernelBenchRow[] = [
      { kernel: 'gemv', dtype: 'f32', M: 1, K: 4, N: 4, ms, achievedGBps: 1, gflops: 2, adjacentReadGBps: 1.25 },
      {
        kernel: 'gemv',
        dtype: 'f16',
        M: 1,
        K: 4,
        N: 4,
        ms,
        achievedGBps: 0.4,
        gflops: 2,
        adjacentReadGBps: 1.25,
        adjacentF16ReadGBps: 0.5,
      },
      { kernel: 'gemm', dtype: 'f32', M: 8, K: 4, N: 4, ms, achievedGBps: 0.1, gflops: 5 },
    ];
    const [f32, f16, gemm] = judgedKernelRows(rows, ceilings);
    expect(f32!.fractionOfReadBandwidth).toBeCloseTo(0.5, 12);
    expect(f32!.fractionOfAdjacentRead).toBeCloseTo(0.8, 12);
    expect(f32!.fractionOfAdjacentDtypeCeiling).toBeCloseTo(0.8, 12);
    expect(f16!.fractionOfDtypeCeiling).toBeCloseTo(0.8, 12); // 0.4 over min(2, 0.5)
    expect(f16!.fractionOfAdjacentRead).toBeCloseTo(0.32, 12);
    expect(f16!.fractionOfAdjacentDtypeCeiling).toBeCloseTo(0.8, 12); // 0.4 over min(1.25, 0.5)
    expect(gemm!.fractionOfPeak).toBeCloseTo(0.25, 12);
    expect(gemm).not.toHaveProperty('fractionOfAdjacentRead');
  });
});
