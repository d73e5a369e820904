import type { Sequence } from './sequence.js';

/** One request's serving record (seconds on the executor's clock). Definitions: shared/design.md section 5. */
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

export interface Slo {
  ttftS?: number;
  tpotS?: number;
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
}

export function summarize(records: readonly RequestMetrics[], slo: Slo = {}): RunSummary {
  const start = Math.min(...records.map((r) => r.arrivalS));
  const end = Math.max(...records.map((r) => r.arrivalS + r.e2eS));
  const makespanS = end - start;
  const out = records.reduce((a, r) => a + r.tokensOut, 0);
  const inp = records.reduce((a, r) => a + r.tokensIn, 0);
  const ms = (xs: number[], p: number) => percentile(xs, p) * 1000;
  const ttft = records.map((r) => r.ttftS);
  const tpot = records.filter((r) => r.tokensOut > 1).map((r) => r.tpotS);
  const e2e = records.map((r) => r.e2eS);
  const good = records.filter((r) => (slo.ttftS === undefined || r.ttftS <= slo.ttftS) && (slo.tpotS === undefined || r.tpotS <= slo.tpotS)).length;
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
  };
}
