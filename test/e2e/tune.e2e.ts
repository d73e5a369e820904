import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchCommand } from '../../bench/cli/bench.js';
import { ok } from './commands.js';

// The tune suite on the Node runtime (Dawn), as a GPU server runs it, with a GPU's kernels
// (gemm_tiled, split-K GEMV) forced on this adapter: their candidates are the ones a GPU
// tries. SwiftShader's own tile shapes are each checked bit for bit by test/gpu/gemm and gemv.
describe('npm run bench -- --suite tune', () => {
  const GPU_KERNELS =
    '{"gemv":{"variant":"splitk","splitInvocations":512,"workgroupSize":128},"gemm":{"variant":"tiled","workgroupX":16,"workgroupY":8}}';
  it('times tile shapes beside the current kernel set, with the same bits wherever the K chunks are the same', async () => {
    const extra = ['--runtime', 'node', '--kernels', GPU_KERNELS];
    const out = await mkdtemp(join(tmpdir(), 'tune-'));
    try {
      const stdout = await ok(benchCommand, '--suite', 'tune', '--quick', '--kernel-size', '256', '--repeats', '1', '--out', out, ...extra);
      expect(stdout).toMatch(/current, again/);
      const tune = JSON.parse(readFileSync(join(out, 'tune.json'), 'utf8'));
      expect(tune.suite).toBe('tune');
      expect(tune.adapter.vendor).toBeTypeOf('string');
      expect(tune.timer).toMatch(/timestamp-query|wall-clock/);
      expect(tune.skipped).toEqual([]);
      for (const kernel of ['gemm', 'gemv']) {
        const rows = tune.rows.filter((r: { kernel: string }) => r.kernel === kernel);
        expect(rows.filter((r: { label: string }) => r.label === 'current').length, kernel).toBeGreaterThan(0);
        expect(rows.length, kernel).toBeGreaterThan(3);
      }
      for (const r of tune.rows) {
        for (const k of ['kernel', 'label', 'overrides', 'rows', 'ms', 'gflops', 'achievedGBps', 'overCurrent', 'sameBits', 'sameChunks'])
          expect(r, k).toHaveProperty(k);
        if (r.sameChunks) expect(r.sameBits, `${r.kernel} ${r.label} at ${r.rows} rows`).toBe(true);
      }
      expect(tune.best).toBeTypeOf('object');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
