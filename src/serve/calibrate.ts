import type { GpuModel } from '../model/gpu-model.js';
import type { StepTimeModel } from '../sched/simulate.js';
import type { StepPlan } from '../sched/types.js';
import { GEMV_BUCKETS } from '../kernels/gemv.js';

/**
 * Step times measured on this GPU, for the simulator twin. Measured through
 * GpuModel.step, so they include what a real step pays: dispatches, the id
 * readback, wall-clock noise. A step's time is
 *   decode-only: decodeMs[B - 1], measured at each GEMV row bucket (GEMV_BUCKETS:
 *                B rows cost what their bucket costs), at context contextAtCalibration;
 *   with prompt rows: prefillFixedMs + prefillPerRowMs * prompt rows, fitted on
 *                prompts starting at position 0, + mixedDecodeRowMs * decode rows
 *                (measured on a step of decodes beside a prompt chunk);
 * plus attentionMsPerPair for every (row, cached position) pair past those:
 * attention reads each row's whole context, so a chunk behind a long prefix, or a
 * decode at a long context, costs more. It is measured as the difference between
 * decode steps of every slot at contextAtCalibration and far past it, timed in turn
 * with the other shapes (decode rows carry most of a replay's pairs).
 */
export interface StepCalibration {
  /** decodeMs[B - 1]: mean ms of a decode step with B rows. */
  decodeMs: number[];
  /** Prompt step ms = prefillFixedMs + prefillPerRowMs * rows. */
  prefillFixedMs: number;
  prefillPerRowMs: number;
  /**
   * Extra ms per (row, cached position) pair; absent in older files (0). Taken from decode
   * steps timed in turn, not from prompt chunks timed minutes apart, whose difference the
   * machine's drift swamps (docs/results.md, "Step calibration").
   */
  attentionMsPerPair?: number;
  /**
   * What a decode row adds to a step that also holds prompt rows (continuous batching's
   * mixed steps), measured on such a step; absent in older files (prefillPerRowMs). A
   * decode row riding the GEMM costs less than a prompt row (docs/results.md, "Step
   * calibration").
   */
  mixedDecodeRowMs?: number;
  contextAtCalibration: number;
}

/**
 * Milliseconds of each shape timed per round (at least one run), and the most runs that
 * takes: a mean needs more than one sample a round of the 50 ms steps too.
 */
const TIMED_MS = 100;
const MAX_TIMED_RUNS = 6;

/**
 * The mean ms of each step shape, timed in turn: `repeats` rounds after two runs of each
 * (the second timed, to size its share of a round). On a shared machine whose speed
 * drifts, shapes measured in turn drift together, where measured one after another a slow
 * spell lands on some shapes only (the decode table and the prefill line then disagree
 * with each other and with the run).
 * Each shape runs once untimed before its timed runs in a round: a replay runs the same
 * kind of step again and again, and a shape taken straight after another runs slower, its
 * code and data cold. A cheap shape is timed several times a round (about TIMED_MS of it),
 * since serial's replay is almost all one-row decode steps. The mean, not the median: the
 * simulator adds step times up, and step times are skewed by slow spells (docs/results.md,
 * "Step calibration").
 */
export async function roundRobinMeans(
  fns: (() => Promise<unknown>)[],
  repeats: number,
  now: () => number = () => performance.now(),
): Promise<number[]> {
  const times: number[] = [];
  for (const fn of fns) {
    await fn(); // cold: its pipelines may still be compiling
    const t0 = now();
    await fn();
    times.push(now() - t0);
  }
  const timed = times.map((t) => Math.min(MAX_TIMED_RUNS, Math.max(1, Math.round(TIMED_MS / Math.max(t, 1)))));
  const ts: number[][] = fns.map(() => []);
  for (let i = 0; i < repeats; i++)
    for (const [j, fn] of fns.entries()) {
      await fn();
      for (let r = 0; r < timed[j]!; r++) {
        const t0 = now();
        await fn();
        ts[j]!.push(now() - t0);
      }
    }
  return ts.map((t) => t.reduce((a, b) => a + b, 0) / t.length);
}

export async function calibrateSteps(model: GpuModel, maxSeqs: number, repeats = 7, context = 64): Promise<StepCalibration> {
  const c = model.config;
  const ctx = Math.min(context, c.contextLength - 2);
  const slots = Math.min(maxSeqs, model.kv.seqSlots);
  // Fill each slot's cache with `ctx` positions so attention reads a realistic context.
  const fill = Array.from({ length: Math.min(ctx, model.maxRows) }, (_, i) => 65 + (i % 26));
  for (let s = 0; s < slots; s++)
    for (let p0 = 0; p0 < ctx; p0 += fill.length) {
      const n = Math.min(fill.length, ctx - p0);
      await model.step({
        tokens: fill.slice(0, n),
        positions: fill.slice(0, n).map((_, i) => p0 + i),
        seqs: fill.slice(0, n).map(() => s),
        phase: 'prefill',
      });
    }
  const prompt = (n: number, start: number) => {
    const toks = Array.from({ length: n }, (_, i) => 65 + (i % 26));
    return () => model.step({ tokens: toks, positions: toks.map((_, i) => start + i), seqs: toks.map(() => 0), phase: 'prefill' });
  };
  // Decode: one measurement per bucket, then every B takes its bucket's time (never
  // less than a smaller B's: noise must not make more rows look cheaper). Prompts: one
  // per size, from position 0 in slot 0 (whose cached prefix the decodes read as context
  // is rewritten with the same number of positions, so their timing is unchanged).
  const buckets = [...GEMV_BUCKETS.filter((x) => x < slots), slots];
  const sizes = [8, Math.min(64, model.maxRows), model.maxRows].filter((v, i, a) => a.indexOf(v) === i && v <= c.contextLength - ctx);
  const decodeStep = (b: number) => {
    const rows = Array.from({ length: b }, (_, i) => i);
    return () => model.step({ tokens: rows.map(() => 66), positions: rows.map(() => ctx), seqs: rows, logitRows: rows, phase: 'decode' });
  };
  // A mixed step as continuous batching makes them: half the rows decodes (slots 1..),
  // the rest a prompt chunk in slot 0 from position 0, all rows through the GEMM.
  const mixedDecodes = Math.min(slots - 1, Math.floor(model.maxRows / 2));
  const mixedChunk = model.maxRows - mixedDecodes;
  const mixedStep = () => {
    const d = Array.from({ length: mixedDecodes }, (_, i) => i + 1);
    const toks = Array.from({ length: mixedChunk }, (_, i) => 65 + (i % 26));
    return model.step({
      tokens: [...d.map(() => 66), ...toks],
      positions: [...d.map(() => ctx), ...toks.map((_, i) => i)],
      seqs: [...d, ...toks.map(() => 0)],
      logitRows: [...d.map((_, i) => i), mixedDecodes + mixedChunk - 1],
      phase: 'prefill',
    });
  };
  const mixed = mixedDecodes > 0 && mixedChunk > 0 && mixedChunk <= c.contextLength - ctx;
  // Every slot decoding far past ctx: the attention it adds over the same step at ctx,
  // per (row, position) pair. Its cache past ctx holds whatever is there (zeros or an
  // earlier step's keys): the time of attention does not depend on the values.
  const far = c.contextLength - 2;
  const farStep = () => {
    const rows = Array.from({ length: slots }, (_, i) => i);
    return model.step({ tokens: rows.map(() => 66), positions: rows.map(() => far), seqs: rows, logitRows: rows, phase: 'decode' });
  };
  const ms = await roundRobinMeans(
    [...buckets.map(decodeStep), ...sizes.map((n) => prompt(n, 0)), ...(mixed ? [mixedStep] : []), ...(far > ctx ? [farStep] : [])],
    repeats,
  );
  const bucketMs = new Map(buckets.map((b, i) => [b, ms[i]!]));
  const decodeMs: number[] = [];
  for (let B = 1; B <= slots; B++) {
    const bucket = [...bucketMs.keys()].find((b) => b >= B)!;
    decodeMs.push(Math.max(bucketMs.get(bucket)!, decodeMs[B - 2] ?? 0));
  }
  const points: [number, number][] = sizes.map((n, i) => [n, ms[buckets.length + i]!]);
  // Least squares line through (rows, ms).
  const mx = points.reduce((a, p) => a + p[0], 0) / points.length;
  const my = points.reduce((a, p) => a + p[1], 0) / points.length;
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  const slope = sxx > 0 ? points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / sxx : 0;
  // Attention per (row, cached position): every slot decoding at `far` against the same
  // step at ctx (the bucket of all slots).
  const farMs = far > ctx ? ms[buckets.length + sizes.length + (mixed ? 1 : 0)]! : undefined;
  const attentionMsPerPair = farMs === undefined ? 0 : Math.max(0, (farMs - bucketMs.get(slots)!) / (slots * (far - ctx)));
  const prefillFixedMs = Math.max(0, my - slope * mx);
  const prefillPerRowMs = Math.max(0, slope);
  // The mixed step's decode rows: what it took past its prompt rows' share of the line and
  // the decodes' cached positions (ctx each).
  const mixedMs = mixed ? ms[buckets.length + sizes.length]! : undefined;
  const mixedDecodeRowMs =
    mixedMs === undefined
      ? undefined
      : Math.max(0, (mixedMs - prefillFixedMs - prefillPerRowMs * mixedChunk - attentionMsPerPair * mixedDecodes * ctx) / mixedDecodes);
  return {
    decodeMs,
    prefillFixedMs,
    prefillPerRowMs,
    attentionMsPerPair,
    contextAtCalibration: ctx,
    ...(mixedDecodeRowMs === undefined ? {} : { mixedDecodeRowMs }),
  };
}

/** The simulator's step time from a calibration (see StepCalibration). */
export function calibratedModel(cal: StepCalibration): StepTimeModel {
  const perPair = cal.attentionMsPerPair ?? 0;
  return (plan: StepPlan) => {
    const rows = plan.rows;
    if (plan.items.every((i) => i.kind === 'decode')) {
      const B = plan.items.length;
      const table = cal.decodeMs;
      // Past the calibrated batch sizes, grow linearly with the last measured step's per-row cost.
      const ms = B <= table.length ? table[B - 1]! : table[table.length - 1]! * (B / table.length);
      const pairs = plan.items.reduce((a, i) => a + (i.start - cal.contextAtCalibration), 0);
      return (ms + perPair * pairs) / 1000;
    }
    // Prompt rows were calibrated from position 0: every row pays for the cached positions before its item.
    const pairs = plan.items.reduce((a, i) => a + i.tokens.length * i.start, 0);
    const decodeRows = plan.items.reduce((a, i) => a + (i.kind === 'decode' ? i.tokens.length : 0), 0);
    const perDecodeRow = cal.mixedDecodeRowMs ?? cal.prefillPerRowMs;
    return (cal.prefillFixedMs + cal.prefillPerRowMs * (rows - decodeRows) + perDecodeRow * decodeRows + perPair * pairs) / 1000;
  };
}
