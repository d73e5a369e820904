import { PassClock } from '../../src/perf/pass-clock.js';
import { packsShiftedF16 } from '../../src/kernels/kernel-set.js';
import { Gemm } from '../../src/kernels/gemm.js';
import { Gemv } from '../../src/kernels/gemv.js';
import { matrixBytes, matrixLayout, packMatrix } from '../../src/kernels/packing.js';
import { maxBindingBytes } from '../../src/model/limits.js';
import { fillUniform, mulberry32 } from '../../src/numeric/prng.js';
import type { GpuContext, WeightDtype } from '../../src/index.js';
import type { SuiteEnv } from './suite.js';
import { readKernels, type Ceilings } from '../../src/perf/ceilings.js';
import { weightReadGBps } from '../../src/perf/cost-model.js';
import type { Stats } from '../../src/perf/stats.js';
import type { PeerMatmulRow } from '../peers/common.js';
import { ortMatmulBench } from '../peers/ort.js';
import { tfjsMatmulBench } from '../peers/tfjs.js';

export interface KernelBenchRequest {
  /** [rows M (B for GEMV), K, N] */
  gemv: [number, number, number][];
  gemm: [number, number, number][];
  dtypes: WeightDtype[];
  repeats: number;
  /** Also time the peers (tfjs-backend-webgpu, onnxruntime-web) on the f32 GEMM shapes and the B = 1 GEMVs. */
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
  /**
   * GEMV rows: the read ceilings over the shape's own weight buffers, timed in turn with
   * the kernel (kernelBench): the best f32 read rate (read_stream, read_flat over the f32
   * matrix) and, for f16 weights, read_stream_f16's read-and-unpack rate. A ceiling
   * measured minutes apart judges a kernel by how busy the machine was then; these drift
   * with it (an f16-only run reads its f16 matrix flat for the first).
   */
  adjacentReadGBps?: number;
  adjacentF16ReadGBps?: number;
}

export interface KernelBenchResult {
  rows: KernelBenchRow[];
  /** Shapes not run, each with the reason (a buffer past the device's limits). */
  skipped: string[];
  /** The peers' rows, when asked for; `peerErrors` says why a peer has none ("onnxruntime-web: ..."). */
  peers: PeerComparison[];
  peerErrors: string[];
}

/** A peer's matmul beside ours on the same shape, adapter and clock. */
export interface PeerComparison extends PeerMatmulRow {
  oursMs: number;
  oursGflops: number;
  /** The peer's time over ours: how many times faster ours ran. */
  speedup: number;
}

/** A kernel row as the result files carry it (kernels.json, the page's JSON) and the tables print it: judged by the ceilings. */
export interface JudgedKernelRow extends KernelBenchRow {
  fractionOfReadBandwidth: number;
  /** Against the ceiling for its dtype (f16: the lower of the read and the read-and-unpack ceilings). */
  fractionOfDtypeCeiling: number;
  fractionOfPeak: number;
  /** GEMV rows: against the ceilings timed beside them. */
  fractionOfAdjacentRead?: number;
  fractionOfAdjacentDtypeCeiling?: number;
}

export function judgedKernelRows(rows: KernelBenchRow[], c: Ceilings): JudgedKernelRow[] {
  return rows.map((r) => ({
    ...r,
    fractionOfReadBandwidth: r.achievedGBps / c.readGBps,
    fractionOfDtypeCeiling: r.achievedGBps / weightReadGBps(c, r.dtype),
    fractionOfPeak: r.gflops / c.fmaGflops,
    ...(r.adjacentReadGBps === undefined
      ? {}
      : {
          fractionOfAdjacentRead: r.achievedGBps / r.adjacentReadGBps,
          fractionOfAdjacentDtypeCeiling:
            r.achievedGBps /
            weightReadGBps({ readGBps: r.adjacentReadGBps, f16ReadGBps: r.adjacentF16ReadGBps ?? r.adjacentReadGBps }, r.dtype),
        }),
  }));
}

type Job = { kernel: 'gemv' | 'gemm'; dtype: WeightDtype; M: number; K: number; N: number };

/**
 * GEMV (decode) and GEMM (prefill) alone, over representative shapes, each pass timed by
 * PassClock. The GEMVs of one K x N (every B and dtype) run round robin with the read
 * ceilings over their own weight buffers, so the ratios the decode story rests on (B = 4
 * over B = 1, f16 over f32, a kernel over its ceiling) come from the same minutes.
 */
export async function kernelBench(env: SuiteEnv, req: KernelBenchRequest, progress: (msg: string) => void): Promise<KernelBenchResult> {
  const { ctx, kernels } = env;
  const skipped: string[] = [];
  const allowed = maxBindingBytes(ctx.device.limits);
  // Output order: dtype by dtype, the GEMVs then the GEMMs, as requested.
  const jobs: Job[] = req.dtypes.flatMap((dtype) => [
    ...req.gemv.map(([M, K, N]) => ({ kernel: 'gemv' as const, dtype, M, K, N })),
    ...req.gemm.map(([M, K, N]) => ({ kernel: 'gemm' as const, dtype, M, K, N })),
  ]);
  // Checked before anything is made, so a shape past the device skips its row and the rest run.
  const fits = (j: Job) => {
    const tooBig = (
      [
        ['weights', matrixBytes(matrixLayout(j.K, j.N, j.dtype))],
        ['activations', j.M * j.K * 4],
        ['output', j.M * j.N * 4],
      ] as const
    ).find(([, bytes]) => bytes > allowed);
    if (tooBig)
      skipped.push(
        `${j.kernel} ${j.dtype} ${j.M}x${j.K}x${j.N}: its ${tooBig[0]} need ${tooBig[1]} bytes in ` +
          `one binding, this device allows ${allowed}`,
      );
    return !tooBig;
  };
  const runnable = jobs.filter(fits);
  const clock = new PassClock(ctx);
  const timed = new Map<Job, KernelBenchRow>();
  const shapes = [...new Set(runnable.filter((j) => j.kernel === 'gemv').map((j) => `${j.K}x${j.N}`))];
  for (const shape of shapes) {
    const group = runnable.filter((j) => j.kernel === 'gemv' && `${j.K}x${j.N}` === shape);
    progress(`kernels: gemv ${shape}, B = ${[...new Set(group.map((j) => j.M))].join(', ')}, with the read ceilings over its weights`);
    for (const [j, row] of await gemvGroup(env, clock, group, gemvRounds(req.repeats))) timed.set(j, row);
  }
  for (const j of runnable.filter((j) => j.kernel === 'gemm')) {
    progress(`kernels: gemm ${j.dtype} ${j.M}x${j.K}x${j.N}`);
    const { w, a, out, layout, weightBytes } = operands(env, j.dtype, j.M, j.K, j.N);
    const op = await Gemm.create(ctx, kernels, layout, a, w, out);
    timed.set(j, kernelRow(j, weightBytes, await clock.stats((pass) => op.encode(pass, j.M), req.repeats)));
    op.destroy();
    for (const b of [w, a, out]) b.destroy();
  }
  clock.destroy();
  const rows = runnable.map((j) => timed.get(j)!);
  const result: KernelBenchResult = { rows, skipped, peers: [], peerErrors: [] };
  if (req.peers) await comparePeers(ctx, req, rows, result, progress);
  return result;
}

/**
 * Rounds of a GEMV group (its GEMVs and the read ceilings beside them, round robin):
 * 2 x repeats + 1. Its figures are the decode story's (a GEMV over its ceiling, B = 4 over
 * B = 1, f16 over f32), and each reading is tens of ms, so more rounds cost seconds; with
 * five the median once fell among slow readings (docs/results.md, "GEMV rounds").
 */
export function gemvRounds(repeats: number): number {
  return 2 * repeats + 1;
}

function kernelRow(j: Job, weightBytes: number, ms: Stats): KernelBenchRow {
  return { kernel: j.kernel, dtype: j.dtype, M: j.M, K: j.K, N: j.N, ms, ...matmulRates(weightBytes, j.M, j.K, j.N, ms.median) };
}

/** A matmul's rates at `ms`: weight bytes as stored plus activations in and out per second, and FLOP/s. */
export function matmulRates(weightBytes: number, M: number, K: number, N: number, ms: number): { achievedGBps: number; gflops: number } {
  return { achievedGBps: (weightBytes + 4 * M * (K + N)) / ms / 1e6, gflops: (2 * M * K * N) / ms / 1e6 };
}

/** A K x N matrix in `dtype` (the same values for every dtype of a shape), M rows of activations and room for the output. */
export function operands({ ctx, kernels }: SuiteEnv, dtype: WeightDtype, M: number, K: number, N: number) {
  const { layout, words } = packMatrix(
    fillUniform(new Float32Array(K * N), 0.05, mulberry32(K * 65537 + N)),
    K,
    N,
    dtype,
    packsShiftedF16(kernels),
  );
  return {
    layout,
    weightBytes: words.byteLength,
    w: ctx.storage(`bench.w.${dtype}`, words.byteLength, words),
    a: ctx.storage('bench.a', M * K * 4, fillUniform(new Float32Array(M * K), 1, mulberry32(K))),
    out: ctx.storage('bench.out', M * N * 4),
  };
}

/** The GEMV jobs of one K x N, round robin with read_stream and read_flat over the f32 matrix and read_stream_f16 over the f16 one. */
async function gemvGroup(env: SuiteEnv, clock: PassClock, group: Job[], repeats: number): Promise<[Job, KernelBenchRow][]> {
  const { ctx, kernels } = env;
  const { K, N } = group[0]!;
  const maxM = Math.max(...group.map((j) => j.M));
  const ceilOut = ctx.storage('bench.ceil.out', 4096 * 4);
  const perDtype = new Map<WeightDtype, ReturnType<typeof operands>>();
  for (const dtype of new Set(group.map((j) => j.dtype))) perDtype.set(dtype, operands(env, dtype, maxM, K, N));
  const ops = await Promise.all(
    group.map(async (j) => {
      const o = perDtype.get(j.dtype)!;
      return Gemv.create(ctx, kernels, o.layout, o.a, o.w, o.out, j.M);
    }),
  );
  const readers = (
    await Promise.all(
      // An f16-only group reads its f16 buffer flat as well, for the plain read rate.
      [...perDtype].map(([dtype, o]) =>
        readKernels(
          ctx,
          kernels,
          o.w,
          o.weightBytes,
          ceilOut,
          dtype === 'f32' ? ['read_stream', 'read_flat'] : perDtype.has('f32') ? ['read_stream_f16'] : ['read_flat', 'read_stream_f16'],
        ),
      ),
    )
  ).flat();
  const times = await clock.statsRoundRobin(
    [...group.map((j, i) => (pass: GPUComputePassEncoder) => ops[i]!.encode(pass, j.M)), ...readers.map((r) => r.encode)],
    repeats,
  );
  const rates = readers.map((r, i) => ({ kernel: r.kernel, GBps: r.bytes / times[group.length + i]!.median / 1e6 }));
  const f32Rates = rates.filter((r) => r.kernel !== 'read_stream_f16').map((r) => r.GBps);
  const f16Rates = rates.filter((r) => r.kernel === 'read_stream_f16').map((r) => r.GBps); // its copies: the fastest counts
  const f16Rate = f16Rates.length ? Math.max(...f16Rates) : undefined;
  const rows = group.map((j, i): [Job, KernelBenchRow] => [
    j,
    {
      ...kernelRow(j, perDtype.get(j.dtype)!.weightBytes, times[i]!),
      ...(f32Rates.length ? { adjacentReadGBps: Math.max(...f32Rates) } : {}),
      ...(j.dtype === 'f16' && f16Rate !== undefined ? { adjacentF16ReadGBps: f16Rate } : {}),
    },
  ]);
  for (const op of ops) op.destroy();
  for (const r of readers) r.destroy();
  for (const o of perDtype.values()) for (const b of [o.w, o.a, o.out]) b.destroy();
  ceilOut.destroy();
  return rows;
}

const PEERS: [string, typeof tfjsMatmulBench][] = [
  ['tfjs-backend-webgpu', tfjsMatmulBench],
  ['onnxruntime-web', ortMatmulBench],
];

/** Each peer on the f32 shapes we ran (GEMM, and GEMV at B = 1), each row set beside ours. */
async function comparePeers(
  ctx: GpuContext,
  req: KernelBenchRequest,
  rows: KernelBenchRow[],
  result: KernelBenchResult,
  progress: (msg: string) => void,
): Promise<void> {
  const ours = rows.filter((r) => r.dtype === 'f32' && (r.kernel === 'gemm' || r.M === 1));
  if (!ours.length) return;
  for (const [name, bench] of PEERS) {
    try {
      const theirs = await bench(
        ctx,
        ours.map((r) => [r.M, r.K, r.N]),
        req.repeats,
        progress,
      );
      for (const [i, p] of theirs.entries()) {
        const o = ours[i]!;
        result.peers.push({ ...p, oursMs: o.ms.median, oursGflops: o.gflops, speedup: p.ms.median / o.ms.median });
      }
    } catch (e) {
      // A peer is a comparison, not the benchmark: our rows stand without it.
      result.peerErrors.push(`${name}: ${(e as Error).message}`);
    }
  }
}
