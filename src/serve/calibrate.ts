import type { GpuModel } from '../model/gpu-model.js';
import type { StepTimeModel } from '../sched/simulate.js';
import type { StepPlan } from '../sched/types.js';
import { stats } from '../perf/stats.js';

/**
 * Step times measured on this GPU, for the simulator twin: the median time of
 * an all-decode step at each batch size B, and of prompt steps of a few sizes
 * (fitted as a + b * rows). Measured through GpuModel.step, so it includes
 * what a real step pays: dispatches, the id readback, wall-clock noise.
 */
export interface StepCalibration {
  /** decodeMs[B - 1]: median ms of a decode step with B rows. */
  decodeMs: number[];
  /** Prompt step ms = prefillFixedMs + prefillPerRowMs * rows. */
  prefillFixedMs: number;
  prefillPerRowMs: number;
  contextAtCalibration: number;
}


export async function calibrateSteps(model: GpuModel, maxSeqs: number, repeats = 5, context = 64): Promise<StepCalibration> {
  const c = model.config;
  const ctx = Math.min(context, c.contextLength - 2);
  const slots = Math.min(maxSeqs, model.kv.seqSlots);
  // Fill each slot's cache with `ctx` positions so attention reads a realistic context.
  const fill = Array.from({ length: Math.min(ctx, model.maxRows) }, (_, i) => 65 + (i % 26));
  for (let s = 0; s < slots; s++)
    for (let p0 = 0; p0 < ctx; p0 += fill.length) {
      const n = Math.min(fill.length, ctx - p0);
      await model.step({ tokens: fill.slice(0, n), positions: fill.slice(0, n).map((_, i) => p0 + i), seqs: fill.slice(0, n).map(() => s), phase: 'prefill' });
    }
  const time = async (fn: () => Promise<unknown>) => {
    await fn();
    const ts: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await fn();
      ts.push(performance.now() - t0);
    }
    return stats(ts).median;
  };
  const decodeMs: number[] = [];
  for (let B = 1; B <= slots; B++) {
    const rows = Array.from({ length: B }, (_, i) => i);
    decodeMs.push(await time(() => model.step({ tokens: rows.map(() => 66), positions: rows.map(() => ctx), seqs: rows, logitRows: rows, phase: 'decode' })));
  }
  const sizes = [8, Math.min(64, model.maxRows), model.maxRows].filter((v, i, a) => a.indexOf(v) === i && v <= c.contextLength - ctx);
  const points: [number, number][] = [];
  for (const n of sizes) {
    const toks = Array.from({ length: n }, (_, i) => 65 + (i % 26));
    points.push([n, await time(() => model.step({ tokens: toks, positions: toks.map((_, i) => i), seqs: toks.map(() => 0), phase: 'prefill' }))]);
  }
  // Least squares line through (rows, ms).
  const mx = points.reduce((a, p) => a + p[0], 0) / points.length;
  const my = points.reduce((a, p) => a + p[1], 0) / points.length;
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  const slope = sxx > 0 ? points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / sxx : 0;
  return { decodeMs, prefillFixedMs: Math.max(0, my - slope * mx), prefillPerRowMs: Math.max(0, slope), contextAtCalibration: ctx };
}

/** The simulator's step time from a calibration: prompt steps by the fitted line, decode steps by B. */
export function calibratedModel(cal: StepCalibration): StepTimeModel {
  return (plan: StepPlan) => {
    const rows = plan.rows;
    if (plan.items.every((i) => i.kind === 'decode')) {
      const B = plan.items.length;
      const table = cal.decodeMs;
      // Past the calibrated batch sizes, grow linearly with the last measured step's per-row cost.
      const ms = B <= table.length ? table[B - 1]! : table[table.length - 1]! * (B / table.length);
      return ms / 1000;
    }
    return (cal.prefillFixedMs + cal.prefillPerRowMs * rows) / 1000;
  };
}
