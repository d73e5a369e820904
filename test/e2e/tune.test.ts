import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

// The tune suite on the Node runtime (Dawn): its own file, so that it runs beside the
// Node runtime's correctness tests (vitest.config.ts: maxWorkers) rather than after them.
describe('npm run bench -- --suite tune', () => {
  // SwiftShader's own kernels (gemm_direct, lane GEMV), then a GPU's (gemm_tiled, split-K GEMV) forced on it.
  const GPU_KERNELS =
    '{"gemv":{"variant":"splitk","splitInvocations":512,"workgroupSize":128},"gemm":{"variant":"tiled","workgroupX":16,"workgroupY":8}}';
  it.each([
    ["this adapter's kernels", []],
    ["a GPU's kernels", ['--tuning', GPU_KERNELS]],
  ])('%s: times tile shapes beside the current tuning, with the same bits wherever the K chunks are the same', async (_, extra) => {
    const out = await mkdtemp(join(tmpdir(), 'tune-'));
    try {
      const args = ['--suite', 'tune', '--runtime', 'node', '--quick', '--kernel-size', '256', '--repeats', '2', '--out', out, ...extra];
      const { stdout } = await run('npm', ['run', '-s', 'bench', '--', ...args], { maxBuffer: 1 << 26 });
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
