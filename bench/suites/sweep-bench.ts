import { GpuModel, syntheticWeights, type ModelConfig, type WeightDtype } from '../../src/index.js';
import { readKernels, type ReadKernel } from '../../src/perf/ceilings.js';
import {
  modelledDecodeTokensPerSec,
  overheadFloorBytes,
  stepCost,
  weightReadGBps,
  withReadCurves,
  type DeviceRates,
  type ReadPoint,
} from '../../src/perf/cost-model.js';
import { ladderConfig } from '../../src/perf/ladder.js';
import { stats } from '../../src/perf/stats.js';
import { detectQuantumNs } from '../../src/gpu/timer.js';
import { PassClock, warmUp } from '../../src/perf/pass-clock.js';
import { LimitExceededError } from '../../src/errors.js';
import type { SuiteEnv } from './suite.js';
import { gpuMs, type DecodeSweepRow, type SweepRequest, type SweepResult } from './sweep-rows.js';
import { batchedDecode } from './sweep-batched.js';
import { prefillSweep } from './sweep-prefill.js';

/**
 * The read ceiling kernel (read_stream, or read_stream_f16 for f16 weights: the decode
 * GEMV's own loads; its copies, the fastest of which counts) over each of a model's
 * matrices: the first layer's four (every layer has the same shapes) and the head, with
 * how many times a step reads each.
 */
async function matrixReaders(
  { ctx, kernels }: SuiteEnv,
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
    const copies = await readKernels(ctx, kernels, m.buffer, m.buffer.size, out, [dtype === 'f16' ? 'read_stream_f16' : 'read_stream']);
    if (copies.length) made.push({ copies, times });
  }
  return made;
}

/**
 * Decode over a ladder of model sizes (GPU ms per token from timestamps, next
 * to the cost model), then prefill over prompt lengths on one model.
 */
export async function sweepBench(env: SuiteEnv, req: SweepRequest, progress: (m: string) => void): Promise<SweepResult> {
  const { ctx, kernels } = env;
  const c = req.ceilings;
  // A step's dispatches each wait for the one before: charge the dependent dispatch's cost.
  const rates: DeviceRates = {
    readGBps: c.readGBps,
    fmaGflops: c.fmaGflops,
    dispatchOverheadUs: c.dependentDispatchUs,
    f16ReadGBps: c.f16ReadGBps,
    readCurve: c.readCurve,
    f16ReadCurve: c.f16ReadCurve,
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
      // of the sweep's points, and on a shared CPU the adapter's speed drifts within a run,
      // which would land on one dtype only (docs/results.md, "Measuring in turn").
      const models: { dtype: WeightDtype; model: GpuModel }[] = [];
      let readers: { copies: ReadKernel[]; times: number }[][] = [];
      try {
        for (const dtype of req.dtypes) {
          progress(`sweep: decode D=${D} ${dtype}`);
          try {
            models.push({ dtype, model: await GpuModel.create(ctx, syntheticWeights(config, dtype, 5), { maxRows: 16, kernels }) });
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
        readers = await Promise.all(models.map(({ dtype, model }) => matrixReaders(env, model, dtype, readOut)));
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
          const modelled = modelledDecodeTokensPerSec(config, dtype, kernels, 1, context, adjacent);
          const fromCeilings = modelledDecodeTokensPerSec(config, dtype, kernels, 1, context, rates);
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
  const batched = await batchedDecode(env, req, progress, skipped);
  const { prefill, profiles } = await prefillSweep(env, req, rates, progress, skipped);
  const dispatches = stepCost(ladderConfig(64), 'f32', kernels, [{ newTokens: 1, context: 8 }], rates).dispatches;
  return { decode, batched, prefill, profiles, skipped, overheadFloorEndsAtBytes: overheadFloorBytes(dispatches, rates) };
}
