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
import { tfjsMatmulBench, type PeerMatmulRow } from '../peers/tfjs.js';

export interface KernelBenchRequest {
  /** [rows M (B for GEMV), K, N] */
  gemv: [number, number, number][];
  gemm: [number, number, number][];
  dtypes: WeightDtype[];
  repeats: number;
  /** Also time a peer (tfjs-backend-webgpu) on the f32 GEMM shapes and the B = 1 GEMVs. */
  peers?: boolean;
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
  /** The peer's rows, when asked for; `peerError` says why there are none. */
  peers: PeerComparison[];
  peerError?: string;
}

/** A peer's matmul beside ours on the same shape, adapter and clock. */
export interface PeerComparison extends PeerMatmulRow {
  oursMs: number;
  oursGflops: number;
  /** The peer's time over ours: how many times faster ours ran. */
  speedup: number;
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
  const result: KernelBenchResult = { rows, skipped, peers: [] };
  if (req.peers) await comparePeers(ctx, req, rows, result, progress);
  return result;
}

/** The peer on the f32 shapes we ran (GEMM, and GEMV at B = 1), each set beside our row. */
async function comparePeers(ctx: GpuContext, req: KernelBenchRequest, rows: KernelBenchRow[], result: KernelBenchResult, progress: (msg: string) => void): Promise<void> {
  const ours = rows.filter((r) => r.dtype === 'f32' && (r.kernel === 'gemm' || r.M === 1));
  if (!ours.length) return;
  try {
    const theirs = await tfjsMatmulBench(ctx, ours.map((r) => [r.M, r.K, r.N]), req.repeats, progress);
    result.peers = theirs.map((p, i) => {
      const o = ours[i]!;
      return { ...p, oursMs: o.ms.median, oursGflops: o.gflops, speedup: p.ms.median / o.ms.median };
    });
  } catch (e) {
    // The peer is a comparison, not the benchmark: our rows stand without it.
    result.peerError = `${(e as Error).name}: ${(e as Error).message}`;
  }
}
