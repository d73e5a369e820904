import { PassTimer } from '../../src/gpu/timer.js';
import { Gemm } from '../../src/kernels/gemm.js';
import { Gemv } from '../../src/kernels/gemv.js';
import { packMatrix } from '../../src/kernels/packing.js';
import { fillUniform, mulberry32 } from '../../src/model/prng.js';
import type { GpuContext, WeightDtype } from '../../src/index.js';
import { stats, type Stats } from '../../src/perf/stats.js';

export interface KernelBenchRequest {
  /** [rows M (B for GEMV), K, N] */
  gemv: [number, number, number][];
  gemm: [number, number, number][];
  dtypes: WeightDtype[];
  repeats: number;
}

export interface KernelBenchRow {
  kernel: 'gemv' | 'gemm';
  dtype: WeightDtype;
  M: number;
  K: number;
  N: number;
  ms: Stats;
  /** Weight bytes (as stored) plus activations in and out, per second. */
  achievedGBps: number;
  gflops: number;
}

/**
 * Times one dispatch `repeats` times after a warm-up: GPU time from timestamps where
 * the adapter has them, else wall clock from submit to onSubmittedWorkDone. Before
 * each wait the context may sleep for most of the last time (Dawn in Node spins while
 * it waits, taking a core from a CPU adapter); that estimate must be the GPU time, or
 * a slow first run keeps every later sleep too long.
 */
async function timeDispatch(ctx: GpuContext, encode: (pass: GPUComputePassEncoder) => void, repeats: number): Promise<Stats> {
  const timer = ctx.hasTimestamps ? new PassTimer(ctx, 1) : undefined;
  let last = 0;
  const once = async () => {
    const t0 = performance.now();
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass(timer ? { timestampWrites: timer.pass(0) } : {});
    encode(pass);
    pass.end();
    timer?.resolve(enc, 1);
    ctx.device.queue.submit([enc.finish()]);
    await ctx.beforeWait(last);
    const ns = timer ? (await timer.read(1))[0]! : NaN;
    if (!timer) await ctx.device.queue.onSubmittedWorkDone();
    return (last = Number.isFinite(ns) ? ns / 1e6 : performance.now() - t0);
  };
  try {
    await once();
    const ts: number[] = [];
    for (let i = 0; i < repeats; i++) ts.push(await once());
    ctx.check();
    return stats(ts);
  } finally {
    timer?.destroy();
  }
}

/** GEMV (decode) and GEMM (prefill) alone, over representative shapes. */
export async function kernelBench(ctx: GpuContext, req: KernelBenchRequest, progress: (msg: string) => void): Promise<KernelBenchRow[]> {
  const rows: KernelBenchRow[] = [];
  const rand = mulberry32(7);
  const jobs = [...req.gemv.map((s) => ['gemv', s] as const), ...req.gemm.map((s) => ['gemm', s] as const)];
  for (const dtype of req.dtypes)
    for (const [kernel, [M, K, N]] of jobs) {
      progress(`kernels: ${kernel} ${dtype} ${M}x${K}x${N}`);
      const { layout, words } = packMatrix(fillUniform(new Float32Array(K * N), 0.05, rand), K, N, dtype);
      const w = ctx.storage('bench.w', words.byteLength, words);
      const a = ctx.storage('bench.a', M * K * 4, fillUniform(new Float32Array(M * K), 1, rand));
      const out = ctx.storage('bench.out', M * N * 4);
      const op = kernel === 'gemv' ? await Gemv.create(ctx, layout, a, w, out, M) : await Gemm.create(ctx, layout, a, w, out);
      const ms = await timeDispatch(ctx, (pass) => op.encode(pass, M), req.repeats);
      const bytes = words.byteLength + 4 * M * (K + N);
      rows.push({ kernel, dtype, M, K, N, ms, achievedGBps: bytes / ms.median / 1e6, gflops: (2 * M * K * N) / ms.median / 1e6 });
      op.destroy();
      for (const b of [w, a, out]) b.destroy();
    }
  return rows;
}
