import { GpuModel, syntheticWeights, type GpuContext, type ModelConfig, type WeightDtype } from '../../src/index.js';
import { readKernels, type Ceilings, type ReadKernel } from '../../src/perf/ceilings.js';
import {
  modelledDecodeTokensPerSec,
  modelledPrefillTokensPerSec,
  overheadFloorBytes,
  stepCost,
  weightBytesOf,
  weightReadGBps,
  withReadCurves,
  type DeviceRates,
  type ReadPoint,
} from '../../src/perf/cost-model.js';
import { ladderConfig } from '../../src/perf/ladder.js';
import { stats, type Stats } from '../../src/perf/stats.js';
import { detectQuantumNs } from '../../src/gpu/timer.js';
import { PassClock, warmUp } from '../../src/perf/pass-clock.js';
import { preset } from '../../src/model/config.js';
import { LimitExceededError } from '../../src/errors.js';
import { GEMV_BUCKETS, GEMV_MAX_ROWS, gemvDispatches } from '../../src/kernels/gemv-rows.js';

export interface SweepRequest {
  widths: number[];
  dtypes: WeightDtype[];
  decodeSteps: number;
  prefillModel: string;
  promptLengths: number[];
  ceilings: Ceilings;
}

export interface DecodeSweepRow {
  config: string;
  weightBytes: number;
  dtype: WeightDtype;
  msPerToken: Stats;
  tokensPerSec: number;
  achievedGBps: number;
  fractionOfReadBandwidth: number;
  /** Against the ceiling for this dtype: the read ceiling (f32), or the f16 read-and-unpack one where lower (f16). */
  fractionOfDtypeCeiling: number;
  /**
   * The cost model with the read rates measured in turn with this row's steps: the read
   * ceiling kernel over each of the model's matrices (src/perf/cost-model.ts,
   * withReadCurves; f16 rows: the f16 read-and-unpack kernel over theirs, and the f32
   * model's curve of the same size for the plain read). Fixed costs (FMA peak, dispatch
   * overhead) are the ceilings suite's.
   */
  modelledTokensPerSec: number;
  measuredOverModelled: number;
  /** The cost model with the ceilings suite's rates alone, measured minutes before. */
  modelledFromCeilingsTokensPerSec: number;
  /** Weight bytes over the time the ceiling kernel took to read the model's matrices, in turn with its steps. */
  adjacentReadGBps: number;
  /** achievedGBps / adjacentReadGBps. */
  fractionOfAdjacentRead: number;
  timer: string;
  /** Timestamp quantum seen in this row's readings (1 = unquantized). */
  timerQuantumNs: number;
}

export interface PrefillSweepRow {
  model: string;
  promptTokens: number;
  ms: number;
  tokensPerSec: number;
  gflops: number;
  fractionOfPeak: number;
  modelledTokensPerSec: number;
}

/** Rounds of the per-kernel profile and the production step, taken in turn (medians reported). */
const PROFILE_ROUNDS = 5;

/**
 * One step profiled two ways: every kernel in its own timestamped pass, and as the
 * engine submits it; medians of PROFILE_ROUNDS rounds (each kernel's median on its own,
 * attributedMs their sum).
 */
export interface StepProfile {
  step: 'decode' | 'prefill';
  rows: number;
  kernelsMs: Record<string, number>;
  attributedMs: number;
  productionMs: number;
  /** attributed - production: what one pass per kernel costs. */
  gapMs: number;
}

/** A sweep as the result files carry it (sweep.json, the page's JSON), beside the ceilings it was judged by. */
export function sweepFile(s: SweepResult, ceilings: Ceilings) {
  return {
    ceilings,
    rows: s.decode,
    batched: s.batched,
    prefill: s.prefill,
    profiles: s.profiles,
    skipped: s.skipped,
    overheadFloorEndsAtBytes: s.overheadFloorEndsAtBytes,
  };
}

/** Decode steps of B sequences on one model whose weights dominate: the weights are read once for all B. */
export interface BatchedDecodeRow {
  config: string;
  weightBytes: number;
  dtype: WeightDtype;
  batch: number;
  /** GPU ms of one decode step with `batch` rows (timestamps, else wall clock). */
  msPerStep: Stats;
  /** msPerStep / the same model's B = 1 step. */
  overB1: number;
  /** Tokens per second over all B sequences. */
  tokensPerSec: number;
}

export interface SweepResult {
  profiles: StepProfile[];
  batched: BatchedDecodeRow[];
  decode: DecodeSweepRow[];
  prefill: PrefillSweepRow[];
  skipped: string[];
  /** Weight bytes past which reading weights costs more than the step's dispatch overhead. */
  overheadFloorEndsAtBytes: number;
}

const gpuMs = (ns: number, wallMs: number) => (Number.isFinite(ns) ? ns / 1e6 : wallMs);

/**
 * The read ceiling kernel (read_stream, or read_stream_f16 for f16 weights: the decode
 * GEMV's own loads; its copies, the fastest of which counts) over each of a model's
 * matrices: the first layer's four (every layer has the same shapes) and the head, with
 * how many times a step reads each.
 */
async function matrixReaders(
  ctx: GpuContext,
  model: GpuModel,
  dtype: WeightDtype,
  out: GPUBuffer,
): Promise<{ copies: ReadKernel[]; times: number }[]> {
  const w = model.weights;
  const l = w.layers[0]!;
  const made = [];
  for (const [m, times] of [
    [l.wqkv, w.layers.length],
    [l.wo, w.layers.length],
    [l.wGateUp, w.layers.length],
    [l.wDown, w.layers.length],
    [w.lmHead, 1],
  ] as const) {
    const copies = await readKernels(ctx, m.buffer, m.buffer.size, out, [dtype === 'f16' ? 'read_stream_f16' : 'read_stream']);
    if (copies.length) made.push({ copies, times });
  }
  return made;
}

/**
 * Decode over a ladder of model sizes (GPU ms per token from timestamps, next
 * to the cost model), then prefill over prompt lengths on one model.
 */
export async function sweepBench(ctx: GpuContext, req: SweepRequest, progress: (m: string) => void): Promise<SweepResult> {
  const c = req.ceilings;
  // A step's dispatches each wait for the one before: charge the dependent dispatch's cost.
  const rates: DeviceRates = {
    readGBps: c.readGBps,
    fmaGflops: c.fmaGflops,
    dispatchOverheadUs: c.dependentDispatchUs,
    f16ReadGBps: c.f16ReadGBps,
    readCurve: c.readCurve,
    f16ReadCurve: c.f16ReadCurve,
    gemvDispatches: gemvDispatches(ctx.tuning),
  };
  const timer = ctx.hasTimestamps ? 'timestamp-query' : 'wall-clock';
  const decode: DecodeSweepRow[] = [];
  const skipped: string[] = [];
  const prompt = [256, 72, 101, 108, 108, 111, 33, 32];
  const clock = new PassClock(ctx);
  const readOut = ctx.storage('sweep.read.out', 4096 * 4);
  try {
    for (const D of req.widths) {
      const config: ModelConfig = ladderConfig(D);
      // This size's dtypes side by side, their steps taken in turn: f16 against f32 is one
      // of the sweep's points, and on a shared CPU the adapter's speed drifts within a run
      // (measured one model after the other, one size's f16 came out 1.24x f32's time in
      // a run where the kernels suite, round robin, had them equal).
      const models: { dtype: WeightDtype; model: GpuModel }[] = [];
      let readers: { copies: ReadKernel[]; times: number }[][] = [];
      try {
        for (const dtype of req.dtypes) {
          progress(`sweep: decode D=${D} ${dtype}`);
          try {
            models.push({ dtype, model: await GpuModel.create(ctx, syntheticWeights(config, dtype, 5), { maxRows: 16 }) });
          } catch (e) {
            if (e instanceof LimitExceededError) {
              skipped.push(`${config.name} ${dtype}: ${e.message}`);
              continue;
            }
            throw e;
          }
        }
        const step = (model: GpuModel, s: number) =>
          model.step({ tokens: [65], positions: [prompt.length + s], logitRows: [0], phase: 'decode' });
        for (const { model } of models) {
          await model.step({ tokens: prompt, positions: prompt.map((_, i) => i), phase: 'prefill' });
          // Warm-up: the first decode step, again and again (it rewrites one position).
          await warmUp(ctx, () => step(model, 0));
        }
        // The ceiling kernel over each model's own matrices, read in turn with the steps:
        // the roof its row is judged and modelled by comes from the same minutes.
        readers = await Promise.all(models.map(({ dtype, model }) => matrixReaders(ctx, model, dtype, readOut)));
        for (const r of readers.flat()) for (const k of r.copies) await clock.once(k.encode);
        const times: number[][] = models.map(() => []);
        const walls: number[][] = models.map(() => []);
        const reads: number[][][][] = readers.map((rs) => rs.map((r) => r.copies.map(() => [])));
        for (let s = 0; s < req.decodeSteps; s++)
          for (const [i, { model }] of models.entries()) {
            const t0 = performance.now();
            const out = await step(model, s);
            times[i]!.push(gpuMs(out.gpuNs, performance.now() - t0));
            walls[i]!.push(performance.now() - t0);
            for (const [j, r] of readers[i]!.entries())
              for (const [c, k] of r.copies.entries()) reads[i]![j]![c]!.push(await clock.once(k.encode));
          }
        // Each matrix at its fastest copy's rate.
        const rate = (k: ReadKernel, samples: number[]) => k.bytes / stats(samples).median / 1e6;
        const curves = readers.map((rs, i) =>
          rs.map((r, j): ReadPoint & { times: number } => ({
            bytes: r.copies[0]!.bytes,
            GBps: Math.max(...r.copies.map((k, c) => rate(k, reads[i]![j]![c]!))),
            times: r.times,
          })),
        );
        const f32Curve = curves[models.findIndex((m) => m.dtype === 'f32')];
        for (const [i, { dtype, model }] of models.entries()) {
          // Coarse timestamps (a quantum over 1% of a step) say too little per step: fall
          // back to wall clock for the row, and say so.
          const quantum = detectQuantumNs(times[i]!.map((t) => t * 1e6));
          const coarse = quantum > 0.01 * stats(times[i]!).median * 1e6;
          const ms = stats(coarse ? walls[i]! : times[i]!);
          const tps = 1000 / ms.median;
          const context = prompt.length + req.decodeSteps / 2;
          const curve = curves[i]!;
          const adjacent = withReadCurves(rates, f32Curve, dtype === 'f16' ? curve : undefined);
          const modelled = modelledDecodeTokensPerSec(config, dtype, 1, context, adjacent);
          const fromCeilings = modelledDecodeTokensPerSec(config, dtype, 1, context, rates);
          const achieved = model.weightBytes / ms.median / 1e6;
          const adjacentRead =
            curve.reduce((a, p) => a + p.bytes * p.times, 0) / curve.reduce((a, p) => a + (p.bytes * p.times) / p.GBps, 0);
          decode.push({
            config: config.name,
            weightBytes: model.weightBytes,
            dtype,
            msPerToken: ms,
            tokensPerSec: tps,
            achievedGBps: achieved,
            fractionOfReadBandwidth: achieved / rates.readGBps,
            fractionOfDtypeCeiling: achieved / weightReadGBps(req.ceilings, dtype),
            modelledTokensPerSec: modelled,
            measuredOverModelled: tps / modelled,
            modelledFromCeilingsTokensPerSec: fromCeilings,
            adjacentReadGBps: adjacentRead,
            fractionOfAdjacentRead: achieved / adjacentRead,
            timer: coarse ? 'wall-clock (timestamps too coarse)' : timer,
            timerQuantumNs: quantum,
          });
        }
      } finally {
        for (const r of readers.flat()) for (const k of r.copies) k.destroy();
        for (const { model } of models) model.destroy();
      }
    }
  } finally {
    clock.destroy();
    readOut.destroy();
  }
  const batched = await batchedDecode(ctx, req, progress, skipped);
  const prefill: PrefillSweepRow[] = [];
  const profiles: StepProfile[] = [];
  const pc = preset(req.prefillModel);
  const maxT = Math.max(...req.promptLengths);
  const pm = await GpuModel.create(ctx, syntheticWeights(pc, 'f32', 5), { maxRows: Math.min(maxT, pc.contextLength) });
  try {
    for (const T of req.promptLengths) {
      if (T > pc.contextLength) {
        skipped.push(`prefill ${T} tokens: longer than ${pc.name}'s context`);
        continue;
      }
      progress(`sweep: prefill ${T} tokens on ${pc.name}`);
      const toks = Array.from({ length: T }, (_, i) => 65 + (i % 26));
      const run = async () => {
        const t0 = performance.now();
        const out = await pm.step({ tokens: toks, positions: toks.map((_, i) => i), phase: 'prefill' });
        return gpuMs(out.gpuNs, performance.now() - t0);
      };
      await warmUp(ctx, run);
      const ms = stats([await run(), await run(), await run()]).median;
      const flops = stepCost(pc, 'f32', [{ newTokens: T, context: 0 }], rates).flops;
      prefill.push({
        model: pc.name,
        promptTokens: T,
        ms,
        tokensPerSec: (T * 1000) / ms,
        gflops: flops / ms / 1e6,
        fractionOfPeak: flops / ms / 1e6 / rates.fmaGflops,
        modelledTokensPerSec: modelledPrefillTokensPerSec(pc, 'f32', T, rates),
      });
    }
    if (ctx.hasTimestamps) {
      progress(`sweep: per-kernel profile of ${pc.name}`);
      const T = Math.min(64, pm.maxRows);
      const toks = Array.from({ length: T }, (_, i) => 65 + (i % 26));
      const prefillIn = { tokens: toks, positions: toks.map((_, i) => i), phase: 'prefill' as const };
      const decodeIn = { tokens: [66], positions: [T], logitRows: [0], phase: 'decode' as const };
      for (const [step, input] of [
        ['prefill', prefillIn],
        ['decode', decodeIn],
      ] as const) {
        await warmUp(ctx, () => pm.step(input));
        // Both ways in turn, PROFILE_ROUNDS times, medians of each: on these shared
        // machines one step can take half again another's time, so a single sample (or
        // the best of two against one) says more about the machine than about the passes.
        const attributed: { kernels: Record<string, number>; totalNs: number }[] = [];
        const production: number[] = [];
        for (let r = 0; r < PROFILE_ROUNDS; r++) {
          attributed.push(await pm.profileStep(input));
          production.push((await pm.step(input)).gpuNs / 1e6);
        }
        const productionMs = stats(production).median;
        const kernelsMs = Object.fromEntries(
          Object.keys(attributed[0]!.kernels).map((k) => [k, stats(attributed.map((a) => a.kernels[k]! / 1e6)).median]),
        );
        // The kernels' medians, summed: so the step is its kernels laid end to end (the
        // trace draws it so), where the median of the totals need not be.
        const attributedMs = Object.values(kernelsMs).reduce((a, b) => a + b, 0);
        profiles.push({ step, rows: input.tokens.length, kernelsMs, attributedMs, productionMs, gapMs: attributedMs - productionMs });
      }
    }
  } finally {
    pm.destroy();
  }
  const dispatches = stepCost(ladderConfig(64), 'f32', [{ newTokens: 1, context: 8 }], rates).dispatches;
  return { decode, batched, prefill, profiles, skipped, overheadFloorEndsAtBytes: overheadFloorBytes(dispatches, rates) };
}

/**
 * Batched decode on the smallest ladder model with at least 16 MiB of f32 weights:
 * B sequences with their own cached prompt, one decode row each per step.
 */
async function batchedDecode(
  ctx: GpuContext,
  req: SweepRequest,
  progress: (m: string) => void,
  skipped: string[],
): Promise<BatchedDecodeRow[]> {
  const D = req.widths.find((w) => weightBytesOf(ladderConfig(w), 'f32') >= 16 * 2 ** 20);
  if (D === undefined) {
    skipped.push('batched decode: no ladder model with 16 MiB of weights in this sweep');
    return [];
  }
  const config = ladderConfig(D);
  const rows: BatchedDecodeRow[] = [];
  const maxB = GEMV_MAX_ROWS;
  const prompt = [256, 72, 101, 108, 108, 111, 33, 32];
  for (const dtype of req.dtypes) {
    progress(`sweep: batched decode ${config.name} ${dtype}`);
    let model: GpuModel;
    try {
      model = await GpuModel.create(ctx, syntheticWeights(config, dtype, 5), { maxRows: maxB * prompt.length, maxSeqs: maxB });
    } catch (e) {
      if (e instanceof LimitExceededError) {
        skipped.push(`batched decode ${config.name} ${dtype}: ${e.message}`);
        continue;
      }
      throw e;
    }
    try {
      for (let s = 0; s < maxB; s++)
        await model.step({ tokens: prompt, positions: prompt.map((_, i) => i), seqs: prompt.map(() => s), phase: 'prefill' });
      // Every GEMV row bucket; each step rewrites the same position.
      const inputs = GEMV_BUCKETS.map((B) => {
        const seqs = Array.from({ length: B }, (_, i) => i);
        return { tokens: seqs.map(() => 65), positions: seqs.map(() => prompt.length), seqs, logitRows: seqs, phase: 'decode' as const };
      });
      for (const input of inputs) await warmUp(ctx, () => model.step(input));
      // Round robin (B = 1, 2, 4, ... then again): the ratios to B = 1 are the point, and
      // on a shared CPU the adapter's speed drifts within a run, so each B's readings
      // are spread over the same minutes rather than each B getting its own.
      const times: number[][] = inputs.map(() => []);
      for (let r = 0; r < Math.max(3, req.decodeSteps); r++)
        for (const [i, input] of inputs.entries()) {
          const t0 = performance.now();
          const out = await model.step(input);
          times[i]!.push(gpuMs(out.gpuNs, performance.now() - t0));
        }
      const b1 = stats(times[0]!).median;
      for (const [i, B] of GEMV_BUCKETS.entries()) {
        const ms = stats(times[i]!);
        rows.push({
          config: config.name,
          weightBytes: model.weightBytes,
          dtype,
          batch: B,
          msPerStep: ms,
          overB1: ms.median / b1,
          tokensPerSec: (B * 1000) / ms.median,
        });
      }
    } finally {
      model.destroy();
    }
  }
  return rows;
}
