import { describe, expect, it } from 'vitest';
import { PassClock } from '../../src/perf/pass-clock.js';
import { PassTimer } from '../../src/gpu/timer.js';
import { Gemv } from '../../src/kernels/gemv.js';
import { packMatrix } from '../../src/kernels/packing.js';
import { measureCeilings } from '../../src/perf/ceilings.js';
import { kernelBench } from '../../bench/suites/kernel-bench.js';
import { gpu, kernelsFor, randomArray } from './helpers.js';

describe('GPU timing', () => {
  it('timestamps order passes: a known kernel with 8x the work takes longer, and every time is positive', async () => {
    const ctx = await gpu();
    expect(ctx.hasTimestamps).toBe(true); // SwiftShader offers it; the fallback is wall clock
    const timer = new PassTimer(ctx, 2);
    const N = 512;
    const small = packMatrix(randomArray(256 * N, 1), 256, N, 'f32');
    const large = packMatrix(randomArray(2048 * N, 2), 2048, N, 'f32');
    const x = ctx.storage('x', 2048 * 4, randomArray(2048, 3));
    const out = ctx.storage('o', N * 4);
    const a = await Gemv.create(ctx, kernelsFor(ctx), small.layout, x, ctx.storage('ws', small.words.byteLength, small.words), out, 1);
    const b = await Gemv.create(ctx, kernelsFor(ctx), large.layout, x, ctx.storage('wl', large.words.byteLength, large.words), out, 1);
    // Timings here share a CPU with other test files, and the first pass of a command buffer
    // can wait for the adapter's worker threads to wake: each buffer opens with an untimed
    // pass, the two kernels swap places every repeat, and each kernel's fastest reading is
    // compared (noise only adds time, so the minimum is the reading nearest the work).
    const times: number[][] = [];
    for (let rep = 0; rep < 7; rep++) {
      const enc = ctx.device.createCommandEncoder();
      const warm = enc.beginComputePass();
      b.encode(warm, 1);
      warm.end();
      const order = rep % 2 === 0 ? [a, b] : [b, a];
      for (const [slot, gemv] of order.entries()) {
        const p = enc.beginComputePass({ timestampWrites: timer.pass(slot) });
        gemv.encode(p, 1);
        p.end();
      }
      timer.resolve(enc, 2);
      ctx.device.queue.submit([enc.finish()]);
      const [first, second] = await timer.read(2);
      times.push(rep % 2 === 0 ? [first!, second!] : [second!, first!]);
    }
    for (const [t0, t1] of times) {
      expect(t0).toBeGreaterThan(0);
      expect(t1).toBeGreaterThan(0);
    }
    const fastest = (i: number) => Math.min(...times.map((t) => t[i]!));
    expect(fastest(1)).toBeGreaterThan(fastest(0));
    // Under a second: plausible for 4 MiB on any adapter.
    expect(fastest(1)).toBeLessThan(1e9);
    timer.destroy();
  });

  it('a pass clock keeps the GPU busy for the warm-up time before timing (real GPUs: clocks up)', async () => {
    const ctx = await gpu();
    const N = 256;
    const m = packMatrix(randomArray(256 * N, 4), 256, N, 'f32');
    const gemv = await Gemv.create(
      ctx,
      kernelsFor(ctx),
      m.layout,
      ctx.storage('x', 256 * 4, randomArray(256, 5)),
      ctx.storage('w', m.words.byteLength, m.words),
      ctx.storage('o', N * 4),
      1,
    );
    // SwiftShader's warm-up is 0 (no clocks to raise): give this clock 200 ms.
    const clock = new PassClock(ctx, 200);
    const t0 = performance.now();
    const s = await clock.stats((pass) => gemv.encode(pass, 1), 3);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(200);
    expect(s.n).toBe(3);
    expect(s.median).toBeGreaterThan(0);
    clock.destroy();
  });

  it('a pass clock times work submitted by someone else (around): 8x the work takes longer, and each time is positive', async () => {
    const ctx = await gpu();
    const N = 512;
    const x = ctx.storage('x', 2048 * 4, randomArray(2048, 6));
    const out = ctx.storage('o', N * 4);
    const make = async (K: number, seed: number) => {
      const m = packMatrix(randomArray(K * N, seed), K, N, 'f32');
      return Gemv.create(ctx, kernelsFor(ctx), m.layout, x, ctx.storage('w', m.words.byteLength, m.words), out, 1);
    };
    const small = await make(256, 7);
    const large = await make(2048, 8);
    // The work is recorded and submitted outside the clock, in its own command buffer, as a peer library does.
    const submit = (gemv: Gemv) => () => {
      const enc = ctx.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      gemv.encode(pass, 1);
      pass.end();
      ctx.device.queue.submit([enc.finish()]);
    };
    const clock = new PassClock(ctx);
    const a = await clock.statsAround(submit(small), 7);
    const b = await clock.statsAround(submit(large), 7);
    expect(a.n).toBe(7);
    expect(a.min).toBeGreaterThan(0);
    // The fastest readings: the CPU is shared with other test files, and noise only adds time.
    expect(b.min).toBeGreaterThan(a.min);
    expect(b.median).toBeLessThan(1e3);
    clock.destroy();
  });

  it(
    'the kernels suite sets the peers (tfjs-backend-webgpu, onnxruntime-web) beside our f32 ' +
      'rows, run on our device and checked against the CPU',
    async () => {
      const ctx = await gpu();
      const res = await kernelBench(
        { ctx, kernels: kernelsFor(ctx) },
        {
          gemv: [
            [1, 65, 63],
            [4, 65, 63],
          ],
          gemm: [[3, 64, 65]],
          dtypes: ['f32', 'f16'],
          repeats: 1,
          peers: true,
        },
        () => {},
      );
      expect(res.peerErrors).toEqual([]);
      // Each GEMV row carries the read ceilings timed in turn with it; the GEMM rows do not.
      for (const r of res.rows) {
        if (r.kernel === 'gemm') expect(r.adjacentReadGBps).toBeUndefined();
        else expect(r.adjacentReadGBps).toBeGreaterThan(0);
        if (r.kernel === 'gemv' && r.dtype === 'f16') expect(r.adjacentF16ReadGBps).toBeGreaterThan(0);
        else expect(r.adjacentF16ReadGBps).toBeUndefined();
      }
      expect(res.rows.map((r) => [r.kernel, r.dtype, r.M])).toEqual([
        ['gemv', 'f32', 1],
        ['gemv', 'f32', 4],
        ['gemm', 'f32', 3],
        ['gemv', 'f16', 1],
        ['gemv', 'f16', 4],
        ['gemm', 'f16', 3],
      ]);
      // The f32 GEMM and the B = 1 GEMV (the shapes the peers have: no f16 weights, no batched GEMV), each peer in turn.
      expect(res.peers.map((p) => [p.peer.split(' ')[0], p.kernel, p.M, p.K, p.N])).toEqual([
        ['tfjs-backend-webgpu', 'gemv', 1, 65, 63],
        ['tfjs-backend-webgpu', 'gemm', 3, 64, 65],
        ['onnxruntime-web', 'gemv', 1, 65, 63],
        ['onnxruntime-web', 'gemm', 3, 64, 65],
      ]);
      for (const p of res.peers) {
        expect(p.peer).toMatch(/^(tfjs-backend-webgpu|onnxruntime-web) \d+\.\d+\.\d+$/);
        // Its first output row against an f64 reference: f32 sums of 64 products.
        expect(p.firstRowRelErr).toBeLessThan(1e-5);
        expect(p.ms.median).toBeGreaterThan(0);
        expect(p.speedup).toBeCloseTo(p.ms.median / p.oursMs, 9);
      }
      // The peer has gone and our device still works; an f16-only run still has a plain read rate.
      const again = await kernelBench(
        { ctx, kernels: kernelsFor(ctx) },
        { gemv: [[1, 64, 64]], gemm: [], dtypes: ['f16'], repeats: 1 },
        () => {},
      );
      expect(again.rows[0]!.ms.median).toBeGreaterThan(0);
      expect(again.rows[0]!.adjacentReadGBps).toBeGreaterThan(0);
      expect(again.rows[0]!.adjacentF16ReadGBps).toBeGreaterThan(0);
      expect(again.peers).toEqual([]);
    },
  );

  it("the kernels suite skips a shape past the device's binding limit, says why, and runs the rest", async () => {
    const base = await gpu();
    // The real device, reporting a 1 MiB binding limit (methods stay bound to the real one).
    const limits = { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: base.device.limits.maxBufferSize }; // all the suite reads
    const device = new Proxy(base.device, {
      get: (d, key) =>
        key === 'limits' ? limits : typeof Reflect.get(d, key) === 'function' ? Reflect.get(d, key).bind(d) : Reflect.get(d, key),
    });
    const ctx = Object.create(base, { device: { value: device } }) as typeof base;
    const { rows, skipped } = await kernelBench(
      { ctx, kernels: kernelsFor(ctx) },
      {
        gemv: [
          [1, 64, 64],
          [1, 1024, 1024],
        ],
        gemm: [],
        dtypes: ['f32'],
        repeats: 1,
      },
      () => {},
    );
    expect(rows.map((r) => [r.K, r.N])).toEqual([[64, 64]]);
    expect(skipped).toEqual([
      `gemv f32 1x1024x1024: its weights need ${1024 * 1024 * 4} bytes in one binding, this device allows ${1 << 20}`,
    ]);
  });

  it('ceilings come back complete and plausible (not asserted as speeds)', async () => {
    const ctx = await gpu();
    const c = await measureCeilings(ctx, kernelsFor(ctx), { sizesMiB: [1, 4], repeats: 2, fmaTrips: 16 });
    expect(c.timer).toBe('timestamp-query');
    // read_stream in two copies (two pipelines: one compile can run slower than another).
    const perSize = [
      'read_stream 0',
      'read_stream 1',
      'read_stream_f16 0',
      'read_stream_f16 1',
      'read_flat',
      'read_coalesced',
      'read_coalesced_f16',
    ];
    expect(c.read.map((r) => (r.copy === undefined ? r.kernel : `${r.kernel} ${r.copy}`))).toEqual([...perSize, ...perSize]);
    for (const v of [c.readGBps, c.f16ReadGBps, c.copyGBps, c.fmaGflops, c.readbackMs.median]) expect(v).toBeGreaterThan(0);
    expect(c.fma.map((r) => [r.chains, r.invocations])).toEqual([
      [1, 4096],
      [2, 4096],
      [4, 4096],
      [1, 262144],
      [2, 262144],
      [4, 262144],
    ]);
    expect(c.fmaGflops).toBe(Math.max(...c.fma.map((r) => r.gflops)));
    // The read curves: each size's best reader, f32 and f16, as the cost model reads them.
    const n = perSize.length;
    const best = (i: number, f16: boolean) =>
      Math.max(
        ...c.read
          .slice(n * i, n * i + n)
          .filter((r) => r.kernel.endsWith('_f16') === f16)
          .map((r) => r.GBps),
      );
    expect(c.readCurve).toEqual([
      { bytes: 1 << 20, GBps: best(0, false) },
      { bytes: 4 << 20, GBps: best(1, false) },
    ]);
    expect(c.f16ReadCurve).toEqual([
      { bytes: 1 << 20, GBps: best(0, true) },
      { bytes: 4 << 20, GBps: best(1, true) },
    ]);
    expect(Number.isFinite(c.dispatchOverheadUs)).toBe(true);
    expect(Number.isFinite(c.dependentDispatchUs)).toBe(true);
    expect(c.dependentDispatchUs).toBeGreaterThanOrEqual(0);
    expect(c.dispatchOverheadUs).toBeGreaterThanOrEqual(0);
  });
});

describe('profiling a step', () => {
  it('times every kernel of a step in its own pass, and the production step too', async () => {
    const { GpuModel } = await import('../../src/model/gpu-model.js');
    const { syntheticWeights } = await import('../../src/model/weights.js');
    const { preset } = await import('../../src/model/config.js');
    const ctx = await gpu();
    const model = await GpuModel.create(ctx, syntheticWeights(preset('tiny')));
    const input = { tokens: [256, 65, 66], positions: [0, 1, 2], phase: 'prefill' as const };
    const p = await model.profileStep(input);
    expect(Object.keys(p.kernels).sort()).toEqual(
      [
        'argmax',
        'attention',
        'down',
        'embedding',
        'final_norm',
        'gate_up',
        'kv_write',
        'lm_head',
        'o_proj',
        'qkv',
        'residual',
        'rmsnorm',
        'rope',
        'swiglu',
      ].sort(),
    );
    for (const v of Object.values(p.kernels)) expect(v).toBeGreaterThan(0);
    expect(p.totalNs).toBeCloseTo(
      Object.values(p.kernels).reduce((a, b) => a + b, 0),
      0,
    );
    const step = await model.step(input);
    expect(step.gpuNs).toBeGreaterThan(0);
    model.destroy();
  });
});
