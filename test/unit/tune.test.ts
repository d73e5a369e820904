import { describe, expect, it } from 'vitest';
import { overrideKernels } from '../../src/kernels/kernel-set.js';
import { gemmTileBytes } from '../../src/kernels/gemm.js';
import { AGAIN, bestOverrides, tuneCandidates, type TuneRow } from '../../bench/suites/tune-bench.js';
import { gpuKernels as gpu, swiftshaderKernels as swiftshader } from '../adapters.js';

const limits = { maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256 };

describe('tune candidates', () => {
  it('start with the current kernel set twice per kernel, and every other one is a valid set', () => {
    for (const t of [gpu, swiftshader]) {
      const cs = tuneCandidates(t, limits, [1, 4, 8]);
      for (const kernel of ['gemm', 'gemv'] as const)
        expect(
          cs
            .filter((c) => c.kernel === kernel)
            .slice(0, 2)
            .map((c) => [c.label, c.overrides]),
        ).toEqual([
          ['current', {}],
          [AGAIN, {}],
        ]);
      for (const c of cs) expect(() => overrideKernels(t, c.overrides), c.label).not.toThrow();
      expect(new Set(cs.map((c) => `${c.kernel} ${c.label}`)).size).toBe(cs.length);
    }
  });

  it('keep gemm_tiled within the device: workgroup memory and invocations', () => {
    const cs = tuneCandidates(gpu, limits, [1]).filter((c) => c.kernel === 'gemm' && c.overrides.gemm);
    expect(cs.length).toBeGreaterThan(3);
    for (const c of cs) {
      const g = { ...gpu.gemm, ...c.overrides.gemm };
      expect(gemmTileBytes(g), c.label).toBeLessThanOrEqual(limits.maxComputeWorkgroupStorageSize);
      expect(g.workgroupX * g.workgroupY, c.label).toBeLessThanOrEqual(limits.maxComputeInvocationsPerWorkgroup);
      expect(g.tileK).toBe(gpu.gemm.tileK); // tileK sets the K chunks: kept, so the bits must not move
    }
    // A device with more workgroup memory gets the 16 x 16 tile (16,640 bytes) as well.
    const more = tuneCandidates(gpu, { ...limits, maxComputeWorkgroupStorageSize: 32768 }, [1]);
    expect(more.some((c) => c.overrides.gemm?.workgroupX === 16 && c.overrides.gemm.workgroupY === 16)).toBe(true);
    expect(cs.some((c) => c.overrides.gemm?.workgroupX === 16 && c.overrides.gemm.workgroupY === 16)).toBe(false);
  });

  it("searching the neighbours only (a quick run): one knob a factor of 2 from the current set's", () => {
    const big = { ...limits, maxComputeWorkgroupStorageSize: 32768 };
    const tiles = tuneCandidates(gpu, big, [1], 'neighbours').flatMap((c) =>
      c.overrides.gemm ? [[c.overrides.gemm.workgroupX, c.overrides.gemm.workgroupY]] : [],
    );
    expect(tiles).toEqual([
      [8, 8],
      [16, 4],
      [16, 16],
      [32, 8],
    ]); // the current set's is 16 x 8
    const splits = tuneCandidates(gpu, big, [1], 'neighbours').flatMap((c) =>
      c.overrides.gemv?.splitInvocations ? [c.overrides.gemv.splitInvocations] : [],
    );
    expect(splits).toEqual([gpu.gemv.splitInvocations / 2, gpu.gemv.splitInvocations * 2]);
    expect(tuneCandidates(gpu, big, [1], 'neighbours').length).toBeLessThan(tuneCandidates(gpu, big, [1]).length);
  });

  it("flip the column blocks of the batches' row buckets only, and say which batches they change", () => {
    const flips = tuneCandidates(swiftshader, limits, [1, 3, 4, 8]).filter((c) => c.overrides.gemv?.blocks);
    expect(flips.map((c) => [c.label, c.batches])).toEqual([
      ['1 block at 1 rows', [1]],
      ['2 blocks at 4 rows', [3, 4]],
      ['1 block at 8 rows', [8]],
    ]);
    for (const c of flips) expect(c.overrides.gemv!.blocks!.filter((b, i) => b !== swiftshader.gemv.blocks[i])).toHaveLength(1);
  });
});

describe('the best overrides', () => {
  const row = (kernel: 'gemm' | 'gemv', label: string, overCurrent: number, overrides = {}): TuneRow =>
    ({
      kernel,
      label,
      overrides,
      rows: 1,
      overCurrent,
      ms: { median: 1, min: 1, max: 1, mean: 1, n: 1 },
      gflops: 1,
      achievedGBps: 1,
      sameBits: true,
      sameChunks: true,
    }) as unknown as TuneRow;

  it('take the fastest candidate per kernel by the geometric mean of its ratios', () => {
    const rows = [
      row('gemm', 'current', 1),
      row('gemm', AGAIN, 1.02),
      row('gemm', 'a', 0.9, { gemm: { workgroupX: 8 } }),
      row('gemm', 'b', 0.8, { gemm: { workgroupX: 32 } }),
      row('gemv', 'current', 1),
      row('gemv', AGAIN, 0.99),
      row('gemv', 'c', 0.5, { gemv: { workgroupSize: 8 } }),
      row('gemv', 'c', 1.6, { gemv: { workgroupSize: 8 } }), // geometric mean 0.89
      row('gemv', 'd', 0.95, { gemv: { workgroupSize: 32 } }),
    ];
    expect(bestOverrides(rows)).toEqual({ gemm: { workgroupX: 32 }, gemv: { workgroupSize: 8 } });
  });

  it('are none where no candidate beats the current kernel set timed a second time', () => {
    const rows = [row('gemm', 'current', 1), row('gemm', AGAIN, 0.85), row('gemm', 'a', 0.9, { gemm: { workgroupX: 8 } })];
    expect(bestOverrides(rows)).toEqual({});
    expect(
      bestOverrides([row('gemm', 'current', 1), row('gemm', AGAIN, 1.1), row('gemm', 'a', 1.05, { gemm: { workgroupX: 8 } })]),
    ).toEqual({});
  });
});
