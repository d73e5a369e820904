import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { describe, expect, inject, it } from 'vitest';
import { benchCommand } from '../../bench/cli/bench.js';
import { nestingViolation } from '../../bench/report/trace.js';
import { run } from './commands.js';

describe('npm run bench -- --quick', () => {
  it('writes every suite, report.html and trace.json with the documented fields', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-'));
    // The smallest run that still has every suite's rows: the tiny model, small kernels, two
    // ladder sizes (batched decode on the larger), one repeat.
    const { code, stdout, stderr } = await run(
      benchCommand,
      ...['--quick', '--model', 'tiny', '--kernel-size', '256', '--ladder', '64,256', '--repeats', '1'],
      ...['--requests', '6', '--replays', '2', '--out', out],
    );
    expect(code, stderr).toBe(0);
    for (const f of ['ceilings', 'kernels', 'sweep', 'decode', 'serve', 'report.html', 'trace.json'].map((n) =>
      n.includes('.') ? n : `${n}.json`,
    ))
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(stdout).toMatch(/serial/);
    const json = (n: string) => JSON.parse(readFileSync(join(out, `${n}.json`), 'utf8'));
    for (const n of ['ceilings', 'kernels', 'sweep', 'decode', 'serve']) {
      const j = json(n);
      expect(j.adapter.vendor, n).toBeTypeOf('string');
      expect(j.adapter).toHaveProperty('isFallbackAdapter');
      expect(j.timer, n).toMatch(/timestamp-query|wall-clock/);
    }
    const sweep = json('sweep');
    expect(sweep.ceilings.readGBps).toBeGreaterThan(0);
    for (const r of sweep.rows)
      for (const k of [
        'weightBytes',
        'dtype',
        'msPerToken',
        'tokensPerSec',
        'achievedGBps',
        'fractionOfReadBandwidth',
        'modelledTokensPerSec',
        'measuredOverModelled',
      ])
        expect(r, k).toHaveProperty(k);
    expect(sweep.batched.map((r: { batch: number }) => r.batch)).toEqual([1, 2, 4, 8, 16, 1, 2, 4, 8, 16]);
    for (const r of sweep.batched)
      for (const k of ['weightBytes', 'dtype', 'msPerStep', 'overB1', 'tokensPerSec']) expect(r, k).toHaveProperty(k);
    expect(sweep.ceilings.f16ReadGBps).toBeGreaterThan(0);
    const kernels = json('kernels');
    expect(kernels.peerErrors).toEqual([]);
    expect(kernels.peers.map((r: { peer: string; kernel: string; M: number }) => [r.peer.split(' ')[0], r.kernel, r.M])).toEqual([
      ['tfjs-backend-webgpu', 'gemv', 1],
      ['tfjs-backend-webgpu', 'gemm', 128],
      ['onnxruntime-web', 'gemv', 1],
      ['onnxruntime-web', 'gemm', 128],
    ]);
    for (const r of kernels.peers)
      for (const k of ['peer', 'ms', 'gflops', 'oursMs', 'oursGflops', 'speedup', 'firstRowRelErr']) expect(r, k).toHaveProperty(k);
    expect(stdout).toMatch(/through other engines on this adapter/);
    const serve = json('serve');
    expect(serve.rows.map((r: { policy: string }) => r.policy)).toEqual(['serial', 'static', 'continuous']);
    for (const r of serve.rows) {
      for (const k of [
        'policy',
        'requests',
        'makespanS',
        'outputTokensPerSec',
        'ttftP50Ms',
        'ttftP99Ms',
        'tpotP50Ms',
        'e2eP50Ms',
        'gpuBusyFraction',
        'simulatedMakespanS',
        'calibration',
        'records',
      ])
        expect(r, k).toHaveProperty(k);
      expect(r.records).toHaveLength(6);
      // Two replays each, each simulated with the calibration taken just before it; the row
      // is the faster of the two (the lower median), with its own records; the simulated
      // makespan and error are medians over the replays, each replay against its own.
      expect(r.replayMakespansS).toHaveLength(2);
      expect(r.replaySimulatedMakespansS).toHaveLength(2);
      expect(r.makespanS).toBe(Math.min(...r.replayMakespansS));
      const [m0, m1] = r.replayMakespansS;
      const [s0, s1] = r.replaySimulatedMakespansS;
      expect(r.simulatedMakespanS).toBeCloseTo((s0 + s1) / 2, 9);
      expect(r.simulatedErrorPct).toBeCloseTo((((s0 - m0) / m0) * 100 + ((s1 - m1) / m1) * 100) / 2, 9);
      type Rec = { arrivalS: number; e2eS: number };
      const span = Math.max(...r.records.map((m: Rec) => m.arrivalS + m.e2eS)) - Math.min(...r.records.map((m: Rec) => m.arrivalS));
      expect(span).toBeCloseTo(r.makespanS, 9);
      expect(r.calibration.decodeMs.length).toBeGreaterThan(0);
      // Slowdowns against serial's measured idle figures (each request alone once scheduled).
      // (no bound beyond positive: a replay can run in a faster minute than serial's)
      expect(Number.isFinite(r.slowdownP50) && r.slowdownP50 > 0, `${r.policy} slowdown p50 ${r.slowdownP50}`).toBe(true);
      expect(r.goodputRps).toBeGreaterThanOrEqual(0);
      expect(r.goodputRps).toBeLessThanOrEqual(r.requestsPerSec + 1e-12);
      expect(r.simulated.slowdownP50).toBeGreaterThan(0);
    }
    // Output tokens/s over serial's: the median replays' ratio, and round by round (the
    // policies' replays ran in turn, replay i of each in round i).
    const [serialRow] = serve.rows;
    for (const r of serve.rows) {
      expect(r.replayOutputTokensPerSec).toHaveLength(2);
      expect(r.overSerial.outputTokensPerSec).toBeCloseTo(r.outputTokensPerSec / serialRow.outputTokensPerSec, 12);
      expect(r.overSerial.rounds).toHaveLength(2);
      r.overSerial.rounds.forEach((x: number, i: number) =>
        expect(x).toBeCloseTo(r.replayOutputTokensPerSec[i] / serialRow.replayOutputTokensPerSec[i], 12),
      );
    }
    expect(serialRow.overSerial.rounds).toEqual([1, 1]);
    expect(stdout).toMatch(/output tokens\/s over serial's: static [\d.]+x \(round by round [\d.]+, [\d.]+\); continuous [\d.]+x/);
    expect(serve.slo).toEqual({ scale: 10 });
    // The generated workload's draw: --quick's lengths, Poisson gaps, seed 1.
    expect(serve.generator).toEqual({ requests: 6, burstiness: 1, seed: 1, promptTokens: [16, 128], outputTokens: [8, 32] });
    expect(stdout).toMatch(/generated: 6 requests, exponential gaps \(Poisson\), prompts 16-128 tokens and outputs 8-32, uniform, seed 1/);
    expect(serve.idle.basis).toBe('serial');
    expect(Number.isFinite(serve.idle.modelledErrorPct)).toBe(true);
    type Timed = { e2eS: number; queueS: number; slowdown: number };
    for (const m of serve.rows[0].records as Timed[]) expect(m.slowdown).toBeCloseTo(m.e2eS / (m.e2eS - m.queueS), 9);
    expect(stdout).toMatch(/slowdown: E2E over the request's E2E on an idle engine, measured by the serial replay/);
    // Poisson arrivals without --rate come at twice what continuous batching finishes here.
    expect(serve.arrivals.loadFactor).toBe(2);
    expect(serve.arrivals.rate).toBeCloseTo(2 * serve.arrivals.continuousCapacityRps, 9);
    expect(serve.arrivals.lastArrivalS).toBeGreaterThan(0);
    expect(stderr).toMatch(/continuous batching finishes here: saturating/); // the progress line (ora writes to stderr)
    // --calibrated reads the top-level calibration: the first policy's.
    expect(serve.calibration).toEqual(serve.rows[0].calibration);
    // The trace parses and nests.
    const trace = JSON.parse(readFileSync(join(out, 'trace.json'), 'utf8'));
    expect(trace.traceEvents.length).toBeGreaterThan(50);
    expect(nestingViolation(trace.traceEvents)).toBeUndefined();
    // The report opens from disk with its charts drawn and no errors.
    const browser = await chromium.connect(inject('sharedBrowser').wsEndpoint);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`file://${join(out, 'report.html')}`);
    await page.waitForSelector('#chart-roofline');
    const sizes = await page.$$eval('canvas', (cs) => cs.map((c) => [c.width, c.height]));
    expect(sizes.length).toBeGreaterThanOrEqual(8);
    for (const [w, h] of sizes) expect(w! * h!).toBeGreaterThan(0);
    // Every suite that ran has its place: the roofline first, the table-only suites after.
    const headings = await page.$$eval('h2', (hs) => hs.map((h) => h.textContent ?? ''));
    expect(headings[0]).toBe('Decode turns memory-bound as the weights grow');
    for (const name of ['Serving: the same requests under each policy', 'Kernels alone', 'Beside a peer']) expect(headings).toContain(name);
    for (const suite of ['ceilings', 'decode'])
      expect(
        headings.some((h) => h.startsWith(`${suite}: `)),
        suite,
      ).toBe(true);
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.byteLength).toBeGreaterThan(20_000);
    await browser.close();
    expect(errors).toEqual([]);
  });
});
