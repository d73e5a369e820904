import {
  Engine,
  makePolicy,
  saturatingArrivals,
  simulate,
  summarize,
  idleFromSerial,
  slowdown,
  toRequests,
  encode,
  type RequestMetrics,
  type RequestSpec,
  type IdleFigures,
  type RunSummary,
  type Slo,
  type StepRecord,
  type TraceEntry,
} from '../../src/index.js';
import { calibratedModel, calibrateSteps, type StepCalibration } from '../../src/serve/calibrate.js';
import { modelledIdle } from '../../src/sched/simulate.js';
import { medianIndex, stats } from '../../src/perf/stats.js';
import type { TraceEvent } from './trace.js';
import { modelWeights, type SuiteEnv } from './suite.js';

export interface ServeBenchRequest {
  model: string;
  policies: string[];
  trace: TraceEntry[];
  maxSeqs: number;
  tokenBudget: number;
  /** Rounds of the step calibration before each replay (default 7; --quick 3). */
  calibrationRepeats?: number;
  /**
   * Replays of the trace per policy. Each policy's row is its median replay by makespan:
   * a shared machine has slow spells of seconds, which one short replay can fall in
   * (docs/results.md, "Serve replays").
   */
  replays?: number;
  /**
   * Set when the trace's arrivals were drawn at one request per second (a Poisson
   * workload without --rate): after the first calibration they are compressed to
   * loadFactor times the requests per second continuous batching can finish on this GPU
   * (capacityRps with the calibrated step times), so the engine is saturated whatever
   * its speed; a fixed rate saturates one machine and leaves a faster one waiting for
   * arrivals, measuring them instead of the engine (docs/results.md, "Serve replays").
   */
  saturate?: { loadFactor: number };
  /** The SLOs of goodput (default DEFAULT_SLO). */
  slo?: Slo;
}

/**
 * Goodput's default SLO: TTFT and TPOT each within ten times the request's own on an
 * idle engine. Relative, because absolute bounds cannot suit both a CPU adapter and a GPU
 * a thousand times faster. Not five: continuous batching's TPOT at saturation is about
 * five times the idle engine's, so at five its goodput turns on noise (docs/results.md,
 * "Goodput's SLO").
 */
export const DEFAULT_SLO: Slo = { scale: 10 };

/**
 * Token rows per step the serve benchmark gives every policy unless told otherwise: three
 * of SwiftShader's 32-row GEMM groups; more throughput and lower TTFT than 64 or 128
 * (docs/results.md, "Serving defaults").
 */
export const DEFAULT_SERVE_BUDGET = 96;

/**
 * How much faster than the engine can serve them the requests of a saturating run
 * arrive (loadFactor times continuous batching's modelled capacity): twice, so
 * the queue grows for the whole arrival span and every policy's throughput is the
 * engine's own.
 */
export const SATURATE = { loadFactor: 2 };

/** The arrivals a run replayed. */
export interface ServeArrivals {
  /** Requests per second: chosen to saturate (`saturate`), or the trace's own (undefined for a file). */
  rate?: number;
  /** The last request's arrival, s after the start. */
  lastArrivalS: number;
  /** With `saturate`: its load factor, and the continuous policy's modelled capacity it multiplied. */
  loadFactor?: number;
  continuousCapacityRps?: number;
}

export interface ServePolicyRow extends RunSummary {
  policy: string;
  /** Every replay's makespan, in the order they ran; the row is the median one's (`medianIndex`). */
  replayMakespansS: number[];
  /** Each replay's simulated makespan, with the step times calibrated just before it. */
  replaySimulatedMakespansS: number[];
  /** Every replay's output tokens/s, in the order they ran (round by round, as the makespans). */
  replayOutputTokensPerSec: number[];
  /**
   * With a serial row: this row's output tokens/s over serial's (`outputTokensPerSec`, the
   * median replays'), and each round's ratio, replay i over serial's replay i: the policies
   * ran in turn, so a round's replays share the machine's speed of those minutes, and
   * their ratio is the paired figure a drift of it moves least.
   */
  overSerial?: { outputTokensPerSec: number; rounds: number[] };
  gpuBusyFraction: number;
  /** Fraction of wall time spent inside steps (submit to ids back). */
  stepBusyFraction: number;
  /** The median of the replays' simulated makespans. */
  simulatedMakespanS: number;
  /**
   * The median of the replays' own errors, each replay's simulation against its own
   * makespan: one calibration that falls in a slow spell the replay after it escapes moves
   * this no further than the others.
   */
  simulatedErrorPct: number;
  /**
   * The median replay's own simulation, in full (its latency percentiles beside the
   * measured ones): its makespanS is that replay's, not simulatedMakespanS, the median
   * over replays.
   */
  simulated: RunSummary;
  /** Step times measured just before the median replay, which its simulation uses. */
  calibration: StepCalibration;
  /** The median replay's requests, each with its slowdown (E2E over its E2E on an idle engine). */
  records: (RequestMetrics & { slowdown: number })[];
}

/**
 * Where the idle figures behind slowdown and a scaled SLO came from: `serial`, the serial
 * policy's median replay in this run (a request there runs alone once scheduled: measured),
 * or `modelled`, each request simulated alone with the step times calibrated before the
 * row's median replay (when serial did not run). With serial, `modelledErrorPct` is the
 * median over requests of the modelled idle E2E's error against the measured one.
 */
export interface IdleBasis {
  basis: 'serial' | 'modelled';
  modelledErrorPct?: number;
}

export interface ServeBenchResult {
  /** The first policy's median replay's calibration (what `npm run simulate -- --calibrated` reads). */
  calibration: StepCalibration;
  arrivals: ServeArrivals;
  slo: Slo;
  idle: IdleBasis;
  rows: ServePolicyRow[];
  trace: TraceEvent[];
  steps: (StepRecord & { policy: string; pid: number })[];
}

/**
 * Replays one trace through each policy on the GPU in real time (requests are
 * submitted at their arrival times), then runs the simulator twin on the same
 * trace with step times calibrated on this GPU, and sets the two side by side.
 * Each replay is calibrated just before it runs and simulated with those step times: a
 * shared machine's speed drifts over the minute a replay takes (docs/results.md, "Serve
 * replays").
 */
export async function serveBench(env: SuiteEnv, req: ServeBenchRequest, progress: (msg: string) => void): Promise<ServeBenchResult> {
  const { ctx, kernels } = env;
  const weights = await modelWeights(env, req.model, 'f32', 1234);
  let requests = toRequests(req.trace, encode);
  let arrivals: Omit<ServeArrivals, 'lastArrivalS'> = {};
  const trace: TraceEvent[] = [];
  const steps: ServeBenchResult['steps'] = [];
  // Each policy's row; its slowdowns and goodput wait for every policy's records (withSlowdowns).
  const rows: MeasuredRow[] = [];
  const modelled: IdleFigures[][] = []; // per row, each request's modelled idle figures, in request order
  const replays = req.replays ?? 3;
  const slo = req.slo ?? DEFAULT_SLO;
  type Run = Replay & { calibration: StepCalibration; idle: Map<string, IdleFigures>; simulated: RunSummary };
  // The policies' replays in turn (round r of every policy before round r + 1): the ratios
  // between policies are the point, and on a shared CPU the adapter's speed drifts over the
  // minutes a run takes, so each policy's replays are spread over the same minutes rather
  // than each policy getting its own. Each replay gets a fresh engine, destroyed after it,
  // so one model's weights and KV cache are on the GPU at a time, as when the policies ran
  // one after another (large's three would need about 4 GiB); the pipelines are the
  // context's, compiled once.
  const byPolicy = req.policies.map((name, i) => ({ name, pid: i + 1, runs: [] as Run[] }));
  for (let i = 0; i < replays; i++)
    for (const policy of byPolicy) {
      const { name, pid } = policy;
      let sink: ReplaySink | undefined; // the replay running now
      const engine = await Engine.create(ctx, weights, {
        kernels,
        policy: name,
        maxSeqs: req.maxSeqs,
        tokenBudget: req.tokenBudget,
        onStep: (s) => sink?.steps.push({ ...s, startS: s.startS - sink.origin, endS: s.endS - sink.origin, policy: name, pid }),
        onEvent: (e) => sink?.trace.push({ ...e, t: e.t - sink.origin, policy: name, pid }),
      });
      try {
        const which = replays > 1 ? ` (replay ${i + 1} of ${replays})` : '';
        progress(`serve ${name}${which}: calibrating step times on this GPU`);
        const calibration = await calibrateSteps(engine.model, req.maxSeqs, req.calibrationRepeats);
        if (req.saturate && policy === byPolicy[0] && i === 0) {
          const {
            requests: saturating,
            rate,
            continuousCapacityRps,
          } = saturatingArrivals(requests, engine.scheduler.opts, calibratedModel(calibration), req.saturate.loadFactor);
          requests = saturating;
          arrivals = { rate, loadFactor: req.saturate.loadFactor, continuousCapacityRps };
          progress(`serve: ${rate.toFixed(1)} requests/s, ${req.saturate.loadFactor}x what continuous batching finishes here`);
        }
        sink = { origin: engine.now(), steps: [], trace: [] };
        const run = await replay(engine, requests, sink, (n) => progress(`serve ${name}${which}: ${n}/${requests.length} requests done`));
        sink = undefined;
        const model = calibratedModel(calibration);
        const sim = simulate(requests, makePolicy(name), engine.scheduler.opts, model);
        const idle = modelledIdle(requests, engine.scheduler.opts, model);
        policy.runs.push({ ...run, calibration, idle, simulated: summarize(sim.records, slo, idle) });
      } finally {
        engine.destroy();
      }
    }
  for (const { name, runs } of byPolicy) {
    const median = runs[medianIndex(runs.map((r) => r.summary.makespanS))]!;
    const { summary, records, gpuBusyS, stepWallS, simulated, calibration, idle } = median;
    trace.push(...median.trace);
    steps.push(...median.steps);
    rows.push({
      policy: name,
      replayMakespansS: runs.map((r) => r.summary.makespanS),
      replaySimulatedMakespansS: runs.map((r) => r.simulated.makespanS),
      replayOutputTokensPerSec: runs.map((r) => r.summary.outputTokensPerSec),
      ...summary,
      gpuBusyFraction: gpuBusyS / summary.makespanS,
      stepBusyFraction: stepWallS / summary.makespanS,
      simulatedMakespanS: stats(runs.map((r) => r.simulated.makespanS)).median,
      simulatedErrorPct: stats(runs.map((r) => ((r.simulated.makespanS - r.summary.makespanS) / r.summary.makespanS) * 100)).median,
      simulated,
      calibration,
      records,
    });
    modelled.push(requests.map((r) => idle.get(r.id)!));
  }
  const { idle, rows: slowed } = withSlowdowns(rows, modelled, slo);
  const final = withSpeedups(slowed);
  const lastArrivalS = Math.max(...requests.map((r) => r.arrivalS));
  return { calibration: rows[0]!.calibration, arrivals: { ...arrivals, lastArrivalS }, slo, idle, rows: final, trace, steps };
}

/** A policy's row before its slowdowns: its records are plain. */
type MeasuredRow = Omit<ServePolicyRow, 'records'> & { records: RequestMetrics[] };

/**
 * Every row's slowdowns and goodput, once every policy has run: against the serial row's
 * measured idle figures when there is one, else against the row's own modelled ones
 * (`modelled[i]`, in request order, as the records are).
 */
function withSlowdowns(rows: MeasuredRow[], modelled: IdleFigures[][], slo: Slo): { idle: IdleBasis; rows: ServePolicyRow[] } {
  const s = rows.findIndex((r) => r.policy === 'serial');
  const measured = s >= 0 ? [...idleFromSerial(rows[s]!.records).values()] : undefined;
  const final = rows.map((row, i) => {
    const byIndex = measured ?? modelled[i]!;
    const idle = new Map(row.records.map((r, j) => [r.id, byIndex[j]!]));
    return { ...row, ...summarize(row.records, slo, idle), records: row.records.map((r) => ({ ...r, slowdown: slowdown(r, idle) })) };
  });
  if (!measured) return { idle: { basis: 'modelled' }, rows: final };
  const errors = measured.map((m, j) => ((modelled[s]![j]!.e2eS - m.e2eS) / m.e2eS) * 100);
  return { idle: { basis: 'serial', modelledErrorPct: stats(errors).median }, rows: final };
}

/** Every row's output tokens/s over the serial row's, overall and round by round (overSerial), when serial ran. */
function withSpeedups<R extends Pick<ServePolicyRow, 'policy' | 'outputTokensPerSec' | 'replayOutputTokensPerSec'>>(
  rows: R[],
): (R & Pick<ServePolicyRow, 'overSerial'>)[] {
  const serial = rows.find((r) => r.policy === 'serial');
  if (!serial) return rows;
  return rows.map((r) => ({
    ...r,
    overSerial: {
      outputTokensPerSec: r.outputTokensPerSec / serial.outputTokensPerSec,
      rounds: r.replayOutputTokensPerSec.map((t, i) => t / serial.replayOutputTokensPerSec[i]!),
    },
  }));
}

/** One replay's steps and scheduler events, timed from its start (`origin`, engine clock). */
interface ReplaySink {
  origin: number;
  steps: ServeBenchResult['steps'];
  trace: TraceEvent[];
}

interface Replay extends ReplaySink {
  summary: RunSummary;
  records: RequestMetrics[];
  /** GPU time and time inside steps during this replay (the engine's counters grow over all of them). */
  gpuBusyS: number;
  stepWallS: number;
}

/**
 * Submits every request at its arrival time (relative to sink.origin, which is now)
 * and waits until all are done.
 */
async function replay(engine: Engine, requests: RequestSpec[], sink: ReplaySink, done: (finished: number) => void): Promise<Replay> {
  const before = { ...engine.stats };
  const ids: string[] = [];
  const results: Promise<unknown>[] = [];
  let finished = 0;
  for (const r of requests) {
    const wait = sink.origin + r.arrivalS - engine.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait * 1000));
    const h = engine.submit({ tokens: r.prompt, maxTokens: r.maxTokens });
    ids.push(h.id);
    results.push(h.result.then(() => done(++finished)));
  }
  await Promise.all(results);
  await engine.idle();
  const records = engine.records(ids).map((m) => ({ ...m, arrivalS: m.arrivalS - sink.origin }));
  return {
    ...sink,
    summary: summarize(records),
    records,
    gpuBusyS: engine.stats.gpuBusyS - before.gpuBusyS,
    stepWallS: engine.stats.stepWallS - before.stepWallS,
  };
}
