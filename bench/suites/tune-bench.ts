import { PassClock } from '../../src/perf/pass-clock.js';
import { overrideKernels, type KernelOverrides, type KernelSet } from '../../src/kernels/kernel-set.js';
import { Gemm, gemmTileBytes } from '../../src/kernels/gemm.js';
import { Gemv } from '../../src/kernels/gemv.js';
import { bucketFor, GEMV_BUCKETS, GEMV_MAX_ROWS } from '../../src/kernels/gemv-rows.js';
import { kChunks } from '../../src/kernels/k-chunks.js';
import type { GpuContext, WeightDtype } from '../../src/index.js';
import type { SuiteEnv } from './suite.js';
import type { Stats } from '../../src/perf/stats.js';
import { matmulRates, operands } from './kernel-bench.js';

/**
 * `npm run bench -- --suite tune`: the kernels' tile shapes (src/kernels/kernel-set.ts)
 * tried on this adapter. The shapes there were measured on SwiftShader and on one H200;
 * another GPU may want others, and a short sweep here says which, as a --kernels JSON.
 * Candidates of one kernel run round robin with the adapter's current kernel set, so each
 * ratio comes from the same minutes; every candidate's output is compared with the
 * current one's bit for bit (shapes that keep the K chunks must match exactly).
 */
/** How far from the current kernel set the candidates go: 'wide', or its 'neighbours' (a quick run). */
export type TuneSearch = 'wide' | 'neighbours';

export interface TuneRequest {
  /** GEMM shape [M, K, N]. */
  gemm: [number, number, number];
  /** GEMV matrix [K, N], run at each of `batches` rows. */
  gemv: [number, number];
  batches: number[];
  dtype: WeightDtype;
  repeats: number;
  search?: TuneSearch;
}

export interface TuneCandidate {
  kernel: 'gemm' | 'gemv';
  label: string;
  /** Applied to the adapter's current kernel set; {} is the current kernel set itself. */
  overrides: KernelOverrides;
  /** GEMV: the batches it changes anything at (a row bucket's blocks); absent: all. */
  batches?: number[];
}

export interface TuneRow extends TuneCandidate {
  /** GEMM: M; GEMV: B. */
  rows: number;
  ms: Stats;
  gflops: number;
  /** Weight bytes as stored, plus activations in and out, per second. */
  achievedGBps: number;
  /** This candidate's median over the current set's, from the same round robin. */
  overCurrent: number;
  /** Whether its output has the current set's bits: expected wherever the K chunks are the same. */
  sameBits: boolean;
  /** Whether its K chunks are the current set's (the split-K target and tileK set them). */
  sameChunks: boolean;
}

export interface TuneResult {
  current: KernelSet;
  rows: TuneRow[];
  /**
   * Per kernel, the candidate with the lowest time (GEMV: geometric mean over its batches),
   * when it beats both the current kernel set and the current set's second copy ("current,
   * again": the same kernel timed twice shows how far noise alone moves a ratio).
   */
  best: KernelOverrides;
  /** Candidates not run, each with the reason (past the device's limits, refused by overrideKernels' rules). */
  skipped: string[];
}

export interface TuneLimits {
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
}

/**
 * The shapes worth trying around the current kernel set, for the variants it uses (a candidate
 * that switches variant changes the code, not its shape: use --kernels for that).
 */
export function tuneCandidates(t: KernelSet, limits: TuneLimits, batches: number[], search: TuneSearch = 'wide'): TuneCandidate[] {
  // 'neighbours': only shapes one step (a factor of 2) from the current one in one knob.
  const near = (x: number, current: number) => search === 'wide' || x === current * 2 || x * 2 === current;
  const out: TuneCandidate[] = [];
  for (const kernel of ['gemm', 'gemv'] as const)
    out.push({ kernel, label: 'current', overrides: {} }, { kernel, label: AGAIN, overrides: {} });
  const g = t.gemm;
  if (g.variant === 'tiled') {
    for (const workgroupX of [8, 16, 32])
      for (const workgroupY of [2, 4, 8, 16]) {
        if (workgroupX === g.workgroupX && workgroupY === g.workgroupY) continue;
        if (
          search === 'neighbours' &&
          !(
            (workgroupX === g.workgroupX && near(workgroupY, g.workgroupY)) ||
            (workgroupY === g.workgroupY && near(workgroupX, g.workgroupX))
          )
        )
          continue;
        const invocations = workgroupX * workgroupY;
        if (invocations < 32 || invocations > limits.maxComputeInvocationsPerWorkgroup) continue;
        if (gemmTileBytes({ workgroupX, workgroupY, tileK: g.tileK }) > limits.maxComputeWorkgroupStorageSize) continue;
        out.push({ kernel: 'gemm', label: `${workgroupX} x ${workgroupY} invocations`, overrides: { gemm: { workgroupX, workgroupY } } });
      }
  } else {
    for (const directRows of [16, 32])
      for (const directBlocks of [1, 2])
        if (directRows !== g.directRows || directBlocks !== g.directBlocks)
          out.push({
            kernel: 'gemm',
            label: `${directRows} rows x ${directBlocks} blocks`,
            overrides: { gemm: { directRows, directBlocks } },
          });
    for (const workgroupX of [8, 32])
      if (workgroupX !== g.workgroupX && workgroupX % g.directBlocks === 0)
        out.push({ kernel: 'gemm', label: `workgroupX ${workgroupX}`, overrides: { gemm: { workgroupX } } });
  }
  const v = t.gemv;
  if (v.variant === 'lanes') {
    // Each batch's row bucket with the other number of column blocks.
    const bucketOf = (B: number) => GEMV_BUCKETS.indexOf(bucketFor(B) as (typeof GEMV_BUCKETS)[number]);
    for (const i of [...new Set(batches.filter((B) => B <= GEMV_MAX_ROWS).map(bucketOf))]) {
      const blocks = [...v.blocks];
      blocks[i] = blocks[i] === 1 ? 2 : 1;
      out.push({
        kernel: 'gemv',
        label: `${blocks[i]} block${blocks[i] === 1 ? '' : 's'} at ${GEMV_BUCKETS[i]} rows`,
        overrides: { gemv: { blocks } },
        batches: batches.filter((B) => bucketOf(B) === i),
      });
    }
  } else {
    for (const f of search === 'wide' ? [0.25, 0.5, 2, 4] : [0.5, 2])
      out.push({
        kernel: 'gemv',
        label: `split target ${v.splitInvocations * f}`,
        overrides: { gemv: { splitInvocations: v.splitInvocations * f } },
      });
  }
  for (const workgroupSize of v.variant === 'lanes' ? [8, 32] : [64, 256])
    if (workgroupSize !== v.workgroupSize && workgroupSize <= limits.maxComputeInvocationsPerWorkgroup)
      out.push({ kernel: 'gemv', label: `workgroup ${workgroupSize}`, overrides: { gemv: { workgroupSize } } });
  return out;
}

/** The current kernel set's second copy in each round robin: its ratio is the noise floor. */
export const AGAIN = 'current, again';

interface Made {
  c: TuneCandidate;
  op: Gemm | Gemv;
  out: GPUBuffer;
  sameChunks: boolean;
}

/** Tries tuneCandidates() on the request's GEMM and GEMV, each candidate a kernel set of its own. */
export async function tuneBench(env: SuiteEnv, req: TuneRequest, progress: (msg: string) => void): Promise<TuneResult> {
  const { ctx, kernels: current } = env;
  const candidates = tuneCandidates(current, ctx.device.limits, req.batches, req.search);
  const skipped: string[] = [];
  const rows: TuneRow[] = [];
  const clock = new PassClock(ctx);
  const maxB = Math.max(...req.batches);
  const gemm = operands(env, req.dtype, req.gemm[0], req.gemm[1], req.gemm[2]);
  const gemv = operands(env, req.dtype, maxB, req.gemv[0], req.gemv[1]);
  try {
    const tune = { ctx, clock, current, repeats: req.repeats, skipped, progress };
    rows.push(...(await tuneKernel(tune, 'gemm', candidates, gemm, [req.gemm[0]])));
    rows.push(...(await tuneKernel(tune, 'gemv', candidates, gemv, req.batches)));
  } finally {
    clock.destroy();
    for (const o of [gemm, gemv]) for (const b of [o.w, o.a, o.out]) b.destroy();
  }
  return { current, rows, best: bestOverrides(rows), skipped };
}

interface TuneRun {
  ctx: GpuContext;
  clock: PassClock;
  current: KernelSet;
  repeats: number;
  skipped: string[];
  progress: (msg: string) => void;
}

/** One kernel's candidates at each of `shapes` rows (M, or B), round robin; what it made is destroyed. */
async function tuneKernel(
  t: TuneRun,
  kernel: 'gemm' | 'gemv',
  candidates: TuneCandidate[],
  o: ReturnType<typeof operands>,
  shapes: number[],
): Promise<TuneRow[]> {
  const { ctx, clock, current } = t;
  const maxRows = Math.max(...shapes);
  const made: Made[] = [];
  try {
    for (const c of candidates.filter((c) => c.kernel === kernel)) {
      t.progress(`tune: ${kernel} ${c.label}: compiling`);
      try {
        const kernels = overrideKernels(current, c.overrides);
        const out = ctx.storage(`tune.${kernel}.out`, maxRows * o.layout.N * 4);
        const op =
          kernel === 'gemm'
            ? await Gemm.create(ctx, kernels, o.layout, o.a, o.w, out)
            : await Gemv.create(ctx, kernels, o.layout, o.a, o.w, out, maxRows);
        made.push({ c, op, out, sameChunks: sameChunks(kernels, current, o.layout.K, o.layout.N) });
      } catch (e) {
        t.skipped.push(`${kernel} ${c.label}: ${(e as Error).message}`);
      }
    }
    if (made[0]?.c.label !== 'current') throw new Error(`tune: the current ${kernel} kernel set did not build: ${t.skipped.join('; ')}`);
    // Every (candidate, rows) pair it changes anything at, all in one round robin.
    const runs = shapes.flatMap((r) => made.filter((m) => !m.c.batches || m.c.batches.includes(r)).map((m) => ({ m, r })));
    t.progress(`tune: ${kernel}, ${runs.length} kernels round robin`);
    const times = await clock.statsRoundRobin(
      runs.map(
        ({ m, r }) =>
          (pass: GPUComputePassEncoder) =>
            m.op.encode(pass, r),
      ),
      t.repeats,
    );
    // One more pass each, read back, for the bits.
    const bits: Uint32Array[] = [];
    for (const { m, r } of runs) {
      await clock.once((pass) => m.op.encode(pass, r));
      bits.push(new Uint32Array(await ctx.read(m.out, r * o.layout.N * 4)));
    }
    return runs.map(({ m, r }, i) => {
      const c = runs.findIndex((x) => x.r === r && x.m === made[0]); // made[0] is the current kernel set
      const ms = times[i]!;
      return {
        ...m.c,
        rows: r,
        ms,
        ...matmulRates(o.weightBytes, r, o.layout.K, o.layout.N, ms.median),
        overCurrent: ms.median / times[c]!.median,
        sameBits: equalBits(bits[i]!, bits[c]!),
        sameChunks: m.sameChunks,
      };
    });
  } finally {
    for (const m of made) {
      m.op.destroy();
      m.out.destroy();
    }
  }
}

/** Per kernel, the fastest candidate by the geometric mean of its ratios to the current kernel set, if below 1. */
export function bestOverrides(rows: TuneRow[]): KernelOverrides {
  const best: KernelOverrides = {};
  for (const kernel of ['gemm', 'gemv'] as const) {
    const byLabel = new Map<string, TuneRow[]>();
    for (const r of rows.filter((r) => r.kernel === kernel)) byLabel.set(r.label, [...(byLabel.get(r.label) ?? []), r]);
    const score = (rs: TuneRow[]) => Math.exp(rs.reduce((s, r) => s + Math.log(r.overCurrent), 0) / rs.length);
    const again = byLabel.get(AGAIN);
    const bar = Math.min(1, again ? score(again) : 1);
    let pick: { score: number; overrides: KernelOverrides } | undefined;
    for (const [label, rs] of byLabel) {
      if (label === 'current' || label === AGAIN) continue;
      const s = score(rs);
      if (s < bar && (!pick || s < pick.score)) pick = { score: s, overrides: rs[0]!.overrides };
    }
    if (pick) Object.assign(best, pick.overrides);
  }
  return best;
}

function sameChunks(a: KernelSet, b: KernelSet, K: number, N: number): boolean {
  const [x, y] = [kChunks(K, N, a), kChunks(K, N, b)];
  return x.kc === y.kc && x.chunks === y.chunks;
}

function equalBits(x: Uint32Array, y: Uint32Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
