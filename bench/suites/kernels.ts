import { PassClock } from '../../src/gpu/pass-clock.js';
import { Gemm } from '../../src/kernels/gemm.js';
import { Gemv } from '../../src/kernels/gemv.js';
import { matrixBytes, matrixLayout, packMatrix } from '../../src/kernels/packing.js';
import { maxBindingBytes } from '../../src/model/limits.js';
import { fillUniform, mulberry32 } from '../../src/model/prng.js';
import type { GpuContext, WeightDtype } from '../../src/index.js';
import type { Ceilings } from '../../src/perf/ceilings.js';
import { weightReadGBps } from '../../src/perf/cost-model.js';
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

export interface KernelBenchResult {
  rows: KernelBenchRow[];
  /** Shapes not run, each with the reason (a buffer past the device's limits). */
  skipped: string[];
}

/** The rows as the result files carry them (kernels.json, the page's JSON): judged by the same run's ceilings. */
export function judgedKernelRows(rows: KernelBenchRow[], c: Ceilings) {
  return rows.map((r) => ({
    ...r,
    fractionOfReadBandwidth: r.achievedGBps / c.readGBps,
    fractionOfDtypeCeiling: r.achievedGBps / weightReadGBps(c, r.dtype),
    fractionOfPeak: r.gflops / c.fmaGflops,
  }));
}

/** GEMV (decode) and GEMM (prefill) alone, over representative shapes, each pass timed by PassClock. */
export async function kernelBench(ctx: GpuContext, req: KernelBenchRequest, progress: (msg: string) => void): Promise<KernelBenchResult> {
  const rows: KernelBenchRow[] = [];
  const skipped: string[] = [];
  const allowed = maxBindingBytes(ctx.device.limits);
  const clock = new PassClock(ctx);
  const rand = mulberry32(7);
  const jobs = [...req.gemv.map((s) => ['gemv', s] as const), ...req.gemm.map((s) => ['gemm', s] as const)];
  for (const dtype of req.dtypes)
    for (const [kernel, [M, K, N]] of jobs) {
      progress(`kernels: ${kernel} ${dtype} ${M}x${K}x${N}`);
      // Checked before anything is made, so a shape past the device skips its row and the rest run.
      const tooBig = (
        [
          ['weights', matrixBytes(matrixLayout(K, N, dtype))],
          ['activations', M * K * 4],
          ['output', M * N * 4],
        ] as const
      ).find(([, bytes]) => bytes > allowed);
      if (tooBig) {
        skipped.push(`${kernel} ${dtype} ${M}x${K}x${N}: its ${tooBig[0]} need ${tooBig[1]} bytes in one binding, this device allows ${allowed}`);
        continue;
      }
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
  return { rows, skipped };
}
