import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateCommand } from '../../bench/cli/simulate.js';
import { ok, run } from './commands.js';

const simulate = (...args: string[]) => ok(simulateCommand, ...args);
/** A run that must fail: its exit code and stderr. */
const fail = (...args: string[]) => run(simulateCommand, ...args);

describe('npm run simulate', () => {
  it("prints the seed's serial makespan, 24.325 s, and the batched policies' figures", async () => {
    const out = await simulate('--workload', 'seed', '--prefill-rate', '20000', '--decode-rate', '50');
    expect(out).toMatch(/serial makespan 24\.325 s/);
    expect(out).toMatch(/static makespan 14\.325 s/);
    expect(out).toMatch(/continuous makespan 14\.325 s/);
  });

  it('replays a calibrated serve.json with the run shape it was measured with, unless told otherwise', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sim-')), 'serve.json');
    const calibration = {
      decodeMs: [10, 12, 15],
      prefillFixedMs: 20,
      prefillPerRowMs: 1,
      attentionMsPerPair: 0.001,
      contextAtCalibration: 64,
    };
    writeFileSync(file, JSON.stringify({ maxSeqs: 3, tokenBudget: 32, calibration }));
    expect(await simulate('--workload', 'seed', '--calibrated', file)).toMatch(/max 3 sequences, 32 rows per step/);
    expect(await simulate('--workload', 'seed', '--calibrated', file, '--max-seqs', '2')).toMatch(/max 2 sequences, 32 rows per step/);
  });

  it("draws Poisson arrivals at twice continuous batching's capacity without --rate, at --rate with it", async () => {
    const saturating = await simulate('--workload', 'poisson', '--requests', '8');
    const m = saturating.match(/8 requests \(poisson at ([\d.]+)\/s \(2x continuous batching's capacity\)\)/);
    expect(m, saturating).not.toBeNull();
    expect(await simulate('--workload', 'poisson', '--requests', '8', '--rate', '3')).toMatch(/8 requests \(poisson at 3\.0\/s\)/);
  });

  it(
    'draws the workload as told: gap burstiness, length ranges and seed, in the JSON and a ' + 'line; refuses them for other workloads',
    async () => {
      type Rec = { arrivalS: number; tokensIn: number; tokensOut: number };
      const draw = async (...flags: string[]) =>
        JSON.parse(await simulate('--workload', 'poisson', '--requests', '32', '--rate', '10', '--policy', 'serial', '--json', ...flags));
      const cv = (recs: Rec[]) => {
        const t = recs.map((r) => r.arrivalS).sort((a, b) => a - b);
        const gaps = t.slice(1).map((x, i) => x - t[i]!);
        const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
        return Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length) / mean;
      };
      const bursty = await draw('--burstiness', '0.25', '--prompt-tokens', '32-64', '--output-tokens', '20', '--workload-seed', '7');
      expect(bursty.generator).toEqual({ requests: 32, burstiness: 0.25, seed: 7, promptTokens: [32, 64], outputTokens: [20, 20] });
      const recs: Rec[] = bursty.rows[0].records;
      for (const r of recs) {
        expect(r.tokensIn).toBeGreaterThanOrEqual(32);
        expect(r.tokensIn).toBeLessThanOrEqual(64);
        expect(r.tokensOut).toBe(20);
      }
      // Gamma(k) gaps have a coefficient of variation of 1 / sqrt(k): 2 at 0.25, 0.5 at 4.
      const smooth = await draw('--burstiness', '4', '--workload-seed', '7');
      expect(cv(recs)).toBeGreaterThan(1.3);
      expect(cv(smooth.rows[0].records)).toBeLessThan(0.8);
      expect(await simulate('--workload', 'poisson', '--requests', '8', '--burstiness', '2')).toMatch(
        /generated: 8 requests, Gamma gaps of shape 2 \(smoother than Poisson\), prompts 16-128 tokens and outputs 16-64, uniform, seed 1/,
      );
      const [seed, range, shape] = await Promise.all([
        fail('--workload', 'seed', '--burstiness', '2'),
        fail('--workload', 'poisson', '--prompt-tokens', '64-32'),
        fail('--workload', 'poisson', '--burstiness', '0'),
      ]);
      expect(seed?.stderr).toMatch(/--burstiness shapes a generated workload \(--workload poisson\), not 'seed'/);
      expect(range?.stderr).toMatch(/--prompt-tokens .*expected LO-HI with whole numbers 1 <= LO <= HI/);
      expect(shape?.stderr).toMatch(/--burstiness .*expected a positive number, got '0'/);
    },
  );

  it('reports goodput under --slo and slowdown against each request alone on the same modelled engine', async () => {
    const json = await simulate(
      '--workload',
      'seed',
      '--prefill-rate',
      '20000',
      '--decode-rate',
      '50',
      '--policy',
      'serial',
      '--slo',
      'ttft:4100',
      '--json',
    );
    const [serial] = JSON.parse(json).rows;
    // TTFT within 4.1 s: the first two requests (0.045 and 2.095 s); seed serial by hand in test/unit/scheduler.test.ts.
    expect(serial.goodputRps).toBeCloseTo(2 / 24.325, 9);
    expect(serial.slowdownP50).toBeCloseTo((10.125 / 6.05 + 24.325 / 14.2) / 2, 9);
    const table = await simulate('--workload', 'seed', '--prefill-rate', '20000', '--decode-rate', '50');
    expect(table).toMatch(/slowdown p50\/p99/);
    expect(table).toMatch(/goodput: requests\/s meeting the SLO \{"scale":10\}/);
    const bads = ['ttft', 'ttft:-1', 'latency:5', 'scale:2:3'];
    const errs = await Promise.all(bads.map((bad) => fail('--workload', 'seed', '--slo', bad)));
    for (const [i, bad] of bads.entries()) {
      const err = errs[i];
      expect(err?.code, bad).not.toBe(0);
      expect(err?.stderr, bad).toMatch(/--slo/);
      expect(err?.stderr, bad).toMatch(bad.startsWith('latency') ? /unknown SLO 'latency'/ : /expected ttft:MS, tpot:MS or scale:X/);
    }
  });

  it('refuses a file without a calibration, with a typed error', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sim-')), 'other.json');
    writeFileSync(file, JSON.stringify({ rows: [] }));
    const err = await fail('--workload', 'seed', '--calibrated', file);
    expect(err?.code).toBe(2);
    expect(err?.stderr).toMatch(/holds no step calibration/);
  });
});
