import type { Sequence } from './sequence.js';

/**
 * One request's serving record (seconds on the executor's clock), as the common serving
 * benchmarks define the figures: TTFT = first token - arrival, E2E = last token - arrival,
 * TPOT = (E2E - TTFT) / (tokens out - 1), ITL every gap between tokens, queue = first
 * scheduled - arrival.
 */
export interface RequestMetrics {
  id: string;
  arrivalS: number;
  queueS: number; // first scheduled - arrival
  ttftS: number; // first token - arrival
  tpotS: number; // (e2e - ttft) / (tokens out - 1); 0 for one token
  e2eS: number; // last token - arrival
  itlS: number[]; // every gap between consecutive tokens
  tokensIn: number;
  tokensOut: number;
  preemptions: number;
  finishReason: string;
}

export function requestMetrics(seq: Sequence): RequestMetrics {
  const arrival = seq.req.arrivalS;
  const times = seq.tokenTimesS;
  const first = times[0] ?? seq.finishS ?? arrival;
  const last = times[times.length - 1] ?? seq.finishS ?? arrival;
  const out = times.length;
  return {
    id: seq.id,
    arrivalS: arrival,
    queueS: (seq.firstScheduledS ?? arrival) - arrival,
    ttftS: first - arrival,
    tpotS: out > 1 ? (last - first) / (out - 1) : 0,
    e2eS: last - arrival,
    itlS: times.slice(1).map((t, i) => t - times[i]!),
    tokensIn: seq.req.prompt.length,
    tokensOut: out,
    preemptions: seq.preemptions,
    finishReason: seq.finishReason ?? 'unfinished',
  };
}

/** Percentile with linear interpolation between order statistics (numpy's default). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const x = (p / 100) * (s.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return s[lo]! + (s[hi]! - s[lo]!) * (x - lo);
}

/**
 * Service-level objectives for goodput: a request meets them when its TTFT and TPOT are
 * within the absolute bounds given, and within `scale` times its own figures on an idle
 * engine (DistServe's "SLO scale", which means the same on a CPU adapter as on a GPU a
 * thousand times faster; needs the idle figures).
 */
export interface Slo {
  ttftS?: number;
  tpotS?: number;
  scale?: number;
}

/** One request's latencies on an engine running nothing else (the baseline of slowdown). */
export interface IdleFigures {
  ttftS: number;
  tpotS: number;
  e2eS: number;
}

/**
 * Idle figures from records of the `serial` policy: once a request is first scheduled
 * there, it runs alone, so its TTFT and E2E less its queue time, and its TPOT, are what
 * it takes on an idle engine, measured.
 */
export function idleFromSerial(records: readonly RequestMetrics[]): Map<string, IdleFigures> {
  return new Map(records.map((r) => [r.id, { ttftS: r.ttftS - r.queueS, tpotS: r.tpotS, e2eS: r.e2eS - r.queueS }]));
}

/** A request's slowdown: its E2E over its E2E on an idle engine (NaN without that figure). */
export function slowdown(r: RequestMetrics, idle: ReadonlyMap<string, IdleFigures> | undefined): number {
  const base = idle?.get(r.id)?.e2eS;
  return base && base > 0 ? r.e2eS / base : NaN;
}

export interface RunSummary {
  requests: number;
  makespanS: number; // last finish - first arrival
  outputTokensPerSec: number;
  totalTokensPerSec: number;
  requestsPerSec: number;
  ttftP50Ms: number;
  ttftP90Ms: number;
  ttftP99Ms: number;
  tpotP50Ms: number;
  tpotP90Ms: number;
  tpotP99Ms: number;
  e2eP50Ms: number;
  e2eP90Ms: number;
  e2eP99Ms: number;
  goodputRps: number; // requests meeting every SLO, per second
  preemptions: number;
  // Slowdown (E2E over the same request's E2E on an idle engine): NaN without idle figures.
  slowdownMean: number;
  slowdownP50: number;
  slowdownP90: number;
  slowdownP99: number;
}

/**
 * A run's figures from its requests' records. `idle` (per request id) gives slowdowns and
 * the SLO's `scale`; without it those are NaN and a `scale` is an error.
 */
export function summarize(records: readonly RequestMetrics[], slo: Slo = {}, idle?: ReadonlyMap<string, IdleFigures>): RunSummary {
  if (slo.scale !== undefined && !idle) throw new RangeError("an SLO scale needs each request's idle figures");
  const start = Math.min(...records.map((r) => r.arrivalS));
  const end = Math.max(...records.map((r) => r.arrivalS + r.e2eS));
  const makespanS = end - start;
  const out = records.reduce((a, r) => a + r.tokensOut, 0);
  const inp = records.reduce((a, r) => a + r.tokensIn, 0);
  const ms = (xs: number[], p: number) => percentile(xs, p) * 1000;
  const ttft = records.map((r) => r.ttftS);
  const tpot = records.filter((r) => r.tokensOut > 1).map((r) => r.tpotS);
  const e2e = records.map((r) => r.e2eS);
  const good = records.filter((r) => meetsSlo(r, slo, idle?.get(r.id))).length;
  const slow = idle ? records.map((r) => slowdown(r, idle)).filter((x) => !Number.isNaN(x)) : [];
  return {
    requests: records.length,
    makespanS,
    outputTokensPerSec: out / makespanS,
    totalTokensPerSec: (out + inp) / makespanS,
    requestsPerSec: records.length / makespanS,
    ttftP50Ms: ms(ttft, 50),
    ttftP90Ms: ms(ttft, 90),
    ttftP99Ms: ms(ttft, 99),
    tpotP50Ms: ms(tpot, 50),
    tpotP90Ms: ms(tpot, 90),
    tpotP99Ms: ms(tpot, 99),
    e2eP50Ms: ms(e2e, 50),
    e2eP90Ms: ms(e2e, 90),
    e2eP99Ms: ms(e2e, 99),
    goodputRps: good / makespanS,
    preemptions: records.reduce((a, r) => a + r.preemptions, 0),
    slowdownMean: slow.length ? slow.reduce((a, x) => a + x, 0) / slow.length : NaN,
    slowdownP50: percentile(slow, 50),
    slowdownP90: percentile(slow, 90),
    slowdownP99: percentile(slow, 99),
  };
}

/** Whether a request meets every bound of the SLO (a request without idle figures fails a scale). */
function meetsSlo(r: RequestMetrics, slo: Slo, idle: IdleFigures | undefined): boolean {
  if (slo.ttftS !== undefined && r.ttftS > slo.ttftS) return false;
  if (slo.tpotS !== undefined && r.tpotS > slo.tpotS) return false;
  if (slo.scale === undefined) return true;
  if (!idle) return false;
  return r.ttftS <= slo.scale * idle.ttftS && r.tpotS <= slo.scale * idle.tpotS;
}
