// What the sweep measures and writes: its request, its rows and its result file.
import type { WeightDtype } from '../../src/index.js';
import type { Ceilings } from '../../src/perf/ceilings.js';
import type { Stats } from '../../src/perf/stats.js';

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

export const gpuMs = (ns: number, wallMs: number) => (Number.isFinite(ns) ? ns / 1e6 : wallMs);
