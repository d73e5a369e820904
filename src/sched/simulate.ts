import type { Policy } from './policy.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';
import { requestMetrics, summarize, type IdleFigures, type RequestMetrics } from './metrics.js';
import { makePolicy } from './policies/index.js';
import { atRate } from './workload.js';
import type { RequestSpec, SchedEvent, StepPlan } from './types.js';

/** Seconds one step takes on the modelled engine. */
export type StepTimeModel = (plan: StepPlan) => number;

/**
 * The seed's two-rate model: prompt rows cost 1/prefillRate each, and a step
 * that samples tokens costs one decode interval, 1/decodeRate, however many
 * sequences sample in it (decode reads the weights once for all of them).
 * Serial on the seed workload: 6,500/20,000 + 1,200/50 = 24.325 s.
 */
export function rateModel(prefillTokensPerSec: number, decodeTokensPerSec: number): StepTimeModel {
  return (plan) => {
    const prefillRows = plan.items.filter((i) => i.kind === 'prefill').reduce((a, i) => a + i.tokens.length, 0);
    return prefillRows / prefillTokensPerSec + (plan.items.some((i) => i.sample) ? 1 / decodeTokensPerSec : 0);
  };
}

export interface SimulationResult {
  records: RequestMetrics[];
  steps: number;
  busyS: number;
  events: SchedEvent[];
}

/**
 * The simulator twin: the same Scheduler and policy as the GPU engine, on a
 * discrete-event clock that advances by the modelled step time. Sampled ids
 * are dummies; requests run to their maxTokens.
 */
export function simulate(
  requests: readonly RequestSpec[],
  policy: Policy,
  opts: SchedulerOptions,
  stepTime: StepTimeModel,
): SimulationResult {
  const sched = new Scheduler(policy, opts);
  const events: SchedEvent[] = [];
  sched.onEvent((e) => events.push(e));
  const pending = [...requests].sort((a, b) => a.arrivalS - b.arrivalS);
  let t = 0;
  let next = 0;
  let steps = 0;
  let busyS = 0;
  for (;;) {
    while (next < pending.length && pending[next]!.arrivalS <= t) sched.add(pending[next++]!, pending[next - 1]!.arrivalS);
    const plan = sched.schedule(t);
    if (!plan) {
      if (next >= pending.length) break;
      t = pending[next]!.arrivalS; // idle until the next arrival
      continue;
    }
    const dt = stepTime(plan);
    t += dt;
    busyS += dt;
    steps++;
    sched.complete(plan, new Array(plan.items.length).fill(0), t);
  }
  const records = requests.map((r) => requestMetrics(sched.sequence(r.id)!));
  return { records, steps, busyS, events };
}

/**
 * Each request's figures on the modelled engine with nothing else to run: the baseline of
 * its slowdown where no measured one is at hand (src/sched/metrics.ts, idleFromSerial).
 */
export function modelledIdle(requests: readonly RequestSpec[], opts: SchedulerOptions, stepTime: StepTimeModel): Map<string, IdleFigures> {
  const idle = new Map<string, IdleFigures>();
  for (const r of requests) {
    const [m] = simulate([{ ...r, arrivalS: 0 }], makePolicy('serial'), opts, stepTime).records;
    idle.set(r.id, { ttftS: m!.ttftS, tpotS: m!.tpotS, e2eS: m!.e2eS });
  }
  return idle;
}

/**
 * Requests per second a policy finishes on the modelled engine when every request is
 * already waiting (all arrivals at 0): its throughput with a queue that never runs dry.
 * Requests arriving faster than this saturate the engine; slower, a run measures the
 * arrival rate more than the engine.
 */
export function capacityRps(requests: readonly RequestSpec[], policy: Policy, opts: SchedulerOptions, stepTime: StepTimeModel): number {
  const waiting = requests.map((r) => ({ ...r, arrivalS: 0 }));
  return requests.length / summarize(simulate(waiting, policy, opts, stepTime).records).makespanS;
}

/**
 * Requests whose arrivals were drawn at one request per second, compressed to
 * `loadFactor` times what continuous batching finishes on the modelled engine: a rate
 * that saturates it whatever its speed (the serve benchmark and `npm run simulate`
 * without --rate).
 */
export function saturatingArrivals(
  unitRate: readonly RequestSpec[],
  opts: SchedulerOptions,
  stepTime: StepTimeModel,
  loadFactor: number,
): { requests: RequestSpec[]; rate: number; continuousCapacityRps: number } {
  const continuousCapacityRps = capacityRps(unitRate, makePolicy('continuous'), opts, stepTime);
  const rate = loadFactor * continuousCapacityRps;
  return { requests: atRate(unitRate, rate), rate, continuousCapacityRps };
}
