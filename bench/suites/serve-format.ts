// How the serve suite's figures read in words and table cells, in the terminal and the report.
import type { Slo } from '../../src/index.js';
import { fmt, pct } from '../report/format.js';
import type { IdleBasis, ServeArrivals, ServePolicyRow } from './serve-bench.js';

/** How a serving run's requests arrived, for its heading: `poisson at 24.1/s (2x ...), the last at 1.3 s`. */
export function describeArrivals(workload: string, a: ServeArrivals): string {
  const rate = a.rate === undefined ? '' : ` at ${fmt(a.rate, 1)}/s`;
  const why =
    a.loadFactor === undefined
      ? ''
      : ` (${a.loadFactor}x the ${fmt(a.continuousCapacityRps!, 1)}/s continuous batching finishes here: saturating)`;
  return `${workload}${rate}${why}, the last at ${fmt(a.lastArrivalS, 2)} s`;
}

/** A serve row's figure (its median replay's) and every replay's range when there were several: `3.67 (3.61-3.98)`. */
export function describeReplays(value: number, all: readonly number[] = []): string {
  return all.length > 1 ? `${fmt(value)} (${fmt(Math.min(...all))}-${fmt(Math.max(...all))})` : fmt(value);
}

/** What a serve run's goodput and slowdown columns were measured against, in a sentence. */
export function describeSlowdowns(slo: Slo, idle: IdleBasis): string {
  const bounds = [
    slo.ttftS !== undefined && `TTFT <= ${fmt(slo.ttftS * 1000, 0)} ms`,
    slo.tpotS !== undefined && `TPOT <= ${fmt(slo.tpotS * 1000, 0)} ms`,
    slo.scale !== undefined && `TTFT and TPOT within ${slo.scale}x the request's own on an idle engine`,
  ].filter(Boolean);
  const basis =
    idle.basis === 'serial'
      ? `measured by the serial replay, where each request runs alone once scheduled (the ` +
        `simulator's idle E2E ` +
        `${idle.modelledErrorPct! >= 0 ? '+' : ''}${fmt(idle.modelledErrorPct!, 1)}% off it, ` +
        `median)`
      : 'modelled: each request simulated alone with the calibrated step times (serial did not run)';
  return (
    `goodput: requests/s with ${bounds.length ? bounds.join(', ') : 'no SLO (every request)'}; ` +
    `slowdown: E2E over the request's E2E on an idle engine, ${basis}`
  );
}

/**
 * Each policy's output tokens/s over serial's, in a sentence, when serial ran: the median
 * replays' ratio and, with several rounds, each round's (replay i over serial's replay i).
 */
export function describeSpeedups(rows: readonly Pick<ServePolicyRow, 'policy' | 'overSerial'>[]): string | undefined {
  const others = rows.filter((r) => r.policy !== 'serial' && r.overSerial);
  if (!others.length) return undefined;
  const one = (r: (typeof others)[number]) => {
    const { outputTokensPerSec, rounds } = r.overSerial!;
    return (
      `${r.policy} ${fmt(outputTokensPerSec)}x` + (rounds.length > 1 ? ` (round by round ${rounds.map((x) => fmt(x)).join(', ')})` : '')
    );
  };
  return `output tokens/s over serial's: ${others.map(one).join('; ')}`;
}

/** The serve table's columns, shared by the CLI (bench/cli/tables.ts, which adds preemptions) and the report. */
export const SERVE_HEAD = [
  'policy',
  'makespan s (replays)',
  'sim. makespan s (replays; median err)',
  'output tok/s',
  'TTFT p50/p99 ms',
  'TPOT p50 ms',
  'E2E p50/p99 ms',
  'slowdown p50/p99',
  'goodput req/s',
  'GPU busy',
];

/**
 * One serve row under SERVE_HEAD. Older result files lack the replays, slowdowns and
 * goodput ('-'), and a run without timestamps has no GPU busy fraction (NaN, null in
 * JSON): the wall-clock share inside steps stands in, marked.
 */
export function serveCells(r: ServePolicyRow): string[] {
  return [
    r.policy,
    describeReplays(r.makespanS, r.replayMakespansS),
    `${describeReplays(r.simulatedMakespanS, r.replaySimulatedMakespansS)} ` +
      `(${r.simulatedErrorPct >= 0 ? '+' : ''}${fmt(r.simulatedErrorPct, 1)}%)`,
    fmt(r.outputTokensPerSec, 1),
    `${fmt(r.ttftP50Ms, 0)} / ${fmt(r.ttftP99Ms, 0)}`,
    fmt(r.tpotP50Ms, 1),
    `${fmt(r.e2eP50Ms, 0)} / ${fmt(r.e2eP99Ms, 0)}`,
    `${fmt(r.slowdownP50, 1)} / ${fmt(r.slowdownP99, 1)}`,
    fmt(r.goodputRps, 2),
    Number.isFinite(r.gpuBusyFraction) ? pct(r.gpuBusyFraction) : `${pct(r.stepBusyFraction)} (wall)`,
  ];
}
