import { PassClock } from '../../src/gpu/pass-clock.js';
import { Gemm } from '../../src/kernels/gemm.js';
import { Gemv } from '../../src/kernels/gemv.js';
import { packMatrix } from '../../src/kernels/packing.js';
import { fillUniform, mulberry32 } from '../../src/model/prng.js';
import type { GpuContext, WeightDtype } from '../../src/index.js';
import type { Stats } from '../../src/perf/stats.js';

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

/** GEMV (decode) and GEMM (prefill) alone, over representative shapes, each pass timed by PassClock. */
export async function kernelBench(ctx: GpuContext, req: KernelBenchRequest, progress: (msg: string) => void): Promise<KernelBenchRow[]> {
  const rows: KernelBenchRow[] = [];
  const clock = new PassClock(ctx);
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
      const ms = await clock.stats((pass) => op.encode(pass, M), req.repeats);
      const bytes = words.byteLength + 4 * M * (K + N);
      rows.push({ kernel, dtype, M, K, N, ms, achievedGBps: bytes / ms.median / 1e6, gflops: (2 * M * K * N) / ms.median / 1e6 });
      op.destroy();
      for (const b of [w, a, out]) b.destroy();
    }
  clock.destroy();
  return rows;
}
