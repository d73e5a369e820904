import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../src/errors.js';
import { encode } from '../../src/model/tokenizer.js';
import { makePolicy, POLICY_NAMES } from '../../src/sched/policies/index.js';
import { Scheduler, type SchedulerOptions } from '../../src/sched/scheduler.js';
import { capacityRps, modelledIdle, rateModel, saturatingArrivals, simulate } from '../../src/sched/simulate.js';
import { idleFromSerial, slowdown, summarize, type RequestMetrics } from '../../src/sched/metrics.js';
import { atRate, parseTrace, poissonWorkload, seedWorkload, toRequests, WorkloadError, gammaSample } from '../../src/sched/workload.js';
import { mulberry32 } from '../../src/numeric/prng.js';
import type { RequestSpec } from '../../src/sched/types.js';

const opts = (o: Partial<SchedulerOptions> = {}): SchedulerOptions => ({
  maxSeqs: 4,
  tokenBudget: 256,
  kvBlocks: 64,
  blockSize: 16,
  contextLength: 512,
  ...o,
});

/**
 * A fake executor: runs plans, returns token ids that encode the position
 * (so a stop id can be hit on purpose), and checks every invariant after each step.
 */
function drive(sched: Scheduler, requests: RequestSpec[], policy: string, onStep?: (step: number) => void) {
  const pending = [...requests].sort((a, b) => a.arrivalS - b.arrivalS);
  let t = 0;
  let steps = 0;
  const admittedOrder: string[] = [];
  sched.onEvent((e) => e.type === 'schedule' && admittedOrder.push(e.seqId));
  for (let guard = 0; guard < 100_000; guard++) {
    while (pending.length && pending[0]!.arrivalS <= t) {
      const r = pending.shift()!;
      sched.add(r, r.arrivalS);
    }
    onStep?.(steps);
    const plan = sched.schedule(t);
    if (!plan) {
      if (!pending.length) break;
      t = pending[0]!.arrivalS;
      continue;
    }
    const running = sched.running;
    expect(plan.rows).toBeLessThanOrEqual(sched.opts.tokenBudget);
    expect(running.length).toBeLessThanOrEqual(sched.opts.maxSeqs);
    if (policy === 'serial') expect(plan.items.length).toBe(1);
    for (const item of plan.items) {
      const seq = sched.sequence(item.seqId)!;
      expect(item.blocks.length * 16).toBeGreaterThanOrEqual(item.start + item.tokens.length); // the cache can hold the rows
      expect(new Set(plan.items.map((i) => i.slot)).size).toBe(plan.items.length); // one slot per sequence
      expect(seq.status).toBe('running');
    }
    sched.allocator.check();
    t += 0.01;
    steps++;
    sched.complete(
      plan,
      plan.items.filter((i) => i.sample).map((i) => 1000 + i.start + i.tokens.length),
      t,
    );
    sched.allocator.check();
  }
  return { steps, admittedOrder };
}

describe('the seed example in the simulator', () => {
  const requests = toRequests(seedWorkload(), encode);
  const o = opts({ maxSeqs: 4, tokenBudget: 2048, kvBlocks: 4 * 320, contextLength: 5000 });
  const model = rateModel(20_000, 50);

  it('serial makespan is 24.325 s', () => {
    const run = simulate(requests, makePolicy('serial'), o, model);
    const s = summarize(run.records);
    expect(s.makespanS.toFixed(3)).toBe('24.325');
    // Request 2 waits for request 1: its first token comes after request 1 ends.
    const [r1, r2] = run.records;
    expect(r2!.ttftS).toBeGreaterThan(r1!.e2eS);
  });

  it('static and continuous batching finish sooner, and continuous never later than static', () => {
    const st = summarize(simulate(requests, makePolicy('static'), o, model).records);
    const co = summarize(simulate(requests, makePolicy('continuous'), o, model).records);
    expect(st.makespanS).toBeLessThan(24.325 / 1.5);
    expect(co.makespanS).toBeLessThanOrEqual(st.makespanS + 1e-9);
  });
});

describe('slowdown and goodput: the seed example by hand', () => {
  // Serial, prefill 20,000 tokens/s, a sampling step 20 ms: request i runs alone for its
  // prompt / 20,000 + outputs x 0.02 s (the prefill step samples the first token), after
  // the requests before it. E2E 2.025, 4.075, 10.125, 24.325 s; alone 2.025, 2.05, 6.05, 14.2.
  const requests = toRequests(seedWorkload(), encode);
  const o = opts({ maxSeqs: 4, tokenBudget: 2048, kvBlocks: 4 * 320, contextLength: 5000 });
  const model = rateModel(20_000, 50);
  const serial = simulate(requests, makePolicy('serial'), o, model).records;

  it("idle figures alone on the modelled engine, and the same from serial's records", () => {
    const idle = modelledIdle(requests, o, model);
    expect([...idle.values()].map((f) => f.e2eS.toFixed(3))).toEqual(['2.025', '2.050', '6.050', '14.200']);
    expect(idle.get('r3')!.ttftS).toBeCloseTo(4000 / 20_000 + 0.02, 12);
    expect(idle.get('r3')!.tpotS).toBeCloseTo(0.02, 12);
    // Serial runs each request alone once scheduled: its records less their queue time agree.
    const measured = idleFromSerial(serial);
    for (const [id, f] of idle) {
      expect(measured.get(id)!.e2eS).toBeCloseTo(f.e2eS, 9);
      expect(measured.get(id)!.ttftS).toBeCloseTo(f.ttftS, 9);
      expect(measured.get(id)!.tpotS).toBeCloseTo(f.tpotS, 9);
    }
  });

  it('slowdown is E2E over the idle E2E; its percentiles interpolate like the others', () => {
    const idle = modelledIdle(requests, o, model);
    expect(serial.map((r) => slowdown(r, idle).toFixed(4))).toEqual([
      '1.0000',
      (4.075 / 2.05).toFixed(4),
      (10.125 / 6.05).toFixed(4),
      (24.325 / 14.2).toFixed(4),
    ]);
    const s = summarize(serial, {}, idle);
    const sorted = [1, 10.125 / 6.05, 24.325 / 14.2, 4.075 / 2.05];
    expect(s.slowdownP50).toBeCloseTo((sorted[1]! + sorted[2]!) / 2, 12);
    expect(s.slowdownP99).toBeCloseTo(sorted[2]! + (sorted[3]! - sorted[2]!) * 0.97, 12);
    expect(s.slowdownMean).toBeCloseTo(sorted.reduce((a, x) => a + x, 0) / 4, 12);
    // Without idle figures there is no slowdown, and a scaled SLO cannot be judged.
    expect(summarize(serial).slowdownP50).toBeNaN();
    expect(slowdown(serial[0]!, undefined)).toBeNaN();
    expect(() => summarize(serial, { scale: 5 })).toThrow(RangeError);
  });

  it('goodput counts the requests within every bound, absolute and scaled', () => {
    const idle = modelledIdle(requests, o, model);
    // Scale 5: only the first request's TTFT (0.045 s alone) is within 5x; the others queue for seconds.
    expect(summarize(serial, { scale: 5 }, idle).goodputRps).toBeCloseTo(1 / 24.325, 12);
    // TTFT <= 4.1 s keeps the first two (0.045, 2.095 s); TPOT <= 20 ms holds for all.
    expect(summarize(serial, { ttftS: 4.1, tpotS: 0.02 + 1e-12 }).goodputRps).toBeCloseTo(2 / 24.325, 12);
    expect(summarize(serial, { ttftS: 4.1, tpotS: 0.019 }).goodputRps).toBe(0);
    // Every bound at once: the scale drops the second request.
    expect(summarize(serial, { ttftS: 4.1, scale: 5 }, idle).goodputRps).toBeCloseTo(1 / 24.325, 12);
    // No SLO: every request.
    expect(summarize(serial).goodputRps).toBeCloseTo(4 / 24.325, 12);
    // A request with no idle figure fails a scaled SLO rather than passing unjudged.
    const partial = new Map([...idle].slice(0, 1));
    const one: RequestMetrics[] = [serial[0]!, serial[1]!];
    expect(summarize(one, { scale: 1e9 }, partial).goodputRps).toBeCloseTo(1 / 4.075, 12);
  });
});

describe('capacity and a saturating rate', () => {
  it('is requests over the makespan with every request waiting: the seed example by hand', () => {
    // All four prompts (6,500 rows) in one step, 0.325 s, its tokens the first of 700 decode intervals of 20 ms.
    const requests = toRequests(seedWorkload(), encode);
    const o = opts({ maxSeqs: 4, tokenBudget: 8192, kvBlocks: 4 * 320, contextLength: 5000 });
    const model = rateModel(20_000, 50);
    expect(capacityRps(requests, makePolicy('serial'), o, model)).toBeCloseTo(4 / 24.325, 12);
    expect(capacityRps(requests, makePolicy('continuous'), o, model)).toBeCloseTo(4 / 14.325, 12);
  });

  it("arrivals at twice continuous batching's capacity keep it busy; at a quarter they set its pace", () => {
    const o = opts({ maxSeqs: 8, tokenBudget: 64, kvBlocks: 8 * 12, contextLength: 192 });
    const model = rateModel(2000, 40);
    const unit = toRequests(poissonWorkload({ requests: 40, rate: 1, promptTokens: [16, 128], outputTokens: [16, 64], seed: 1 }), encode);
    const cap = capacityRps(unit, makePolicy('continuous'), o, model);
    const throughput = (rate: number) =>
      summarize(simulate(atRate(unit, rate), makePolicy('continuous'), o, model).records).outputTokensPerSec;
    const best = throughput(1e9);
    expect(throughput(2 * cap)).toBeGreaterThan(0.9 * best);
    expect(throughput(cap / 4)).toBeLessThan(0.5 * best);
    // saturatingArrivals is that compression at loadFactor times the capacity.
    const sat = saturatingArrivals(unit, o, model, 2);
    expect(sat.continuousCapacityRps).toBe(cap);
    expect(sat.rate).toBe(2 * cap);
    expect(sat.requests).toEqual(atRate(unit, 2 * cap));
  });
});

describe.each(POLICY_NAMES)('%s policy invariants', (policy) => {
  const trace = poissonWorkload({ requests: 40, rate: 20, promptTokens: [1, 120], outputTokens: [1, 40], seed: 5 });
  const requests = toRequests(trace, encode);

  it('every request completes with its tokens; budget, slots and blocks are never exceeded or leaked', () => {
    const sched = new Scheduler(makePolicy(policy), opts());
    const { admittedOrder } = drive(sched, requests, policy);
    for (const r of requests) {
      const seq = sched.sequence(r.id)!;
      expect(seq.status).toBe('finished');
      expect(seq.generated).toHaveLength(r.maxTokens);
    }
    expect(sched.allocator.freeBlocks).toBe(sched.allocator.totalBlocks);
    // FCFS: nobody is first scheduled before a request that arrived earlier.
    expect(admittedOrder).toEqual(requests.map((r) => r.id));
  });

  it('preempts when the KV cache is full, resumes later, and still finishes everything', () => {
    const big = toRequests(
      Array.from({ length: 6 }, (_, i) => ({ arrivalS: 0, promptTokens: 60 + i, outputTokens: 60 })),
      encode,
    );
    const sched = new Scheduler(makePolicy(policy), opts({ kvBlocks: 16 })); // 256 positions, each request needs ~8 blocks
    drive(sched, big, policy);
    for (const r of big) expect(sched.sequence(r.id)!.generated).toHaveLength(60);
    if (policy !== 'serial') expect(big.reduce((a, r) => a + sched.sequence(r.id)!.preemptions, 0)).toBeGreaterThan(0);
    expect(sched.allocator.freeBlocks).toBe(16);
  });

  it('serves prompts longer than a whole step (the budget)', () => {
    const long = toRequests(
      Array.from({ length: 5 }, (_, i) => ({ arrivalS: i * 0.01, promptTokens: 40 + 7 * i, outputTokens: 6 })),
      encode,
    );
    const sched = new Scheduler(makePolicy(policy), opts({ tokenBudget: 16 }));
    drive(sched, long, policy);
    expect(long.every((r) => sched.sequence(r.id)!.generated.length === 6)).toBe(true);
  });

  it('queues ten times more requests than fit at once, losing none', () => {
    const many = toRequests(
      Array.from({ length: 40 }, () => ({ arrivalS: 0, promptTokens: 20, outputTokens: 5 })),
      encode,
    );
    const sched = new Scheduler(makePolicy(policy), opts({ maxSeqs: 4 }));
    drive(sched, many, policy);
    expect(many.every((r) => sched.sequence(r.id)!.generated.length === 5)).toBe(true);
  });
});

describe('static batching leaves holes', () => {
  it('admits nobody while any member of the batch still runs', () => {
    const requests = toRequests(
      [
        { arrivalS: 0, promptTokens: 5, outputTokens: 2 },
        { arrivalS: 0, promptTokens: 5, outputTokens: 30 },
        { arrivalS: 0.005, promptTokens: 5, outputTokens: 2 },
      ],
      encode,
    );
    const sched = new Scheduler(makePolicy('static'), opts());
    drive(sched, requests, 'static');
    const [a, b, c] = requests.map((r) => sched.sequence(r.id)!);
    expect(c!.firstScheduledS!).toBeGreaterThanOrEqual(b!.finishS!);
    expect(a!.finishS!).toBeLessThan(b!.finishS!);
  });

  it('continuous batching fills the hole at once', () => {
    const requests = toRequests(
      [
        { arrivalS: 0, promptTokens: 5, outputTokens: 30 },
        { arrivalS: 0.005, promptTokens: 5, outputTokens: 2 },
      ],
      encode,
    );
    const sched = new Scheduler(makePolicy('continuous'), opts());
    drive(sched, requests, 'continuous');
    expect(sched.sequence('r1')!.finishS!).toBeLessThan(sched.sequence('r0')!.finishS!);
  });
});

describe('chunked prefill', () => {
  it('keeps running decodes going while a long prompt is fed in chunks', () => {
    const requests = toRequests(
      [
        { arrivalS: 0, promptTokens: 4, outputTokens: 40 },
        { arrivalS: 0.02, promptTokens: 400, outputTokens: 2 },
      ],
      encode,
    );
    const sched = new Scheduler(makePolicy('continuous'), opts({ tokenBudget: 64, contextLength: 600 }));
    const plans: { decode: number; prefill: number }[] = [];
    const orig = sched.schedule.bind(sched);
    sched.schedule = (t) => {
      const p = orig(t);
      if (p)
        plans.push({
          decode: p.items.filter((i) => i.kind === 'decode').length,
          prefill: p.items.filter((i) => i.kind === 'prefill').reduce((a, i) => a + i.tokens.length, 0),
        });
      return p;
    };
    drive(sched, requests, 'continuous');
    const mixed = plans.filter((p) => p.decode > 0 && p.prefill > 0);
    expect(mixed.length).toBeGreaterThanOrEqual(6); // 400 prompt rows in chunks of at most 63 beside the decoder
    expect(Math.max(...plans.map((p) => p.decode + p.prefill))).toBeLessThanOrEqual(64);
  });
});

describe('cancellation and stop ids', () => {
  const make = () => new Scheduler(makePolicy('continuous'), opts({ tokenBudget: 32 }));
  const req = (id: string, n = 100): RequestSpec => ({ id, prompt: Array(n).fill(65), maxTokens: 10, arrivalS: 0 });

  it('before scheduling, during prefill and while decoding: blocks free at once', () => {
    const s = make();
    s.add(req('before'), 0);
    expect(s.cancel('before', 0)).toBe(true);
    expect(s.hasWork).toBe(false);

    s.add(req('during'), 0);
    const p1 = s.schedule(0)!; // first 32-row chunk of 100
    expect(s.allocator.freeBlocks).toBeLessThan(64);
    s.cancel('during', 0.1);
    expect(s.allocator.freeBlocks).toBe(64);
    s.complete(p1, [], 0.2); // the step that was running comes back: ignored
    expect(s.sequence('during')!.finishReason).toBe('cancelled');

    s.add(req('after', 3), 0);
    s.complete(s.schedule(0)!, [7], 0.1); // prefill done, first token out
    s.complete(s.schedule(0.1)!, [8], 0.2); // decoding
    s.cancel('after', 0.25);
    expect(s.allocator.freeBlocks).toBe(64);
    expect(s.sequence('after')!.generated).toEqual([7, 8]);
    expect(s.cancel('after', 0.3)).toBe(false);
    s.allocator.check();
  });

  it('a stop id ends the request, and is part of its output', () => {
    const s = make();
    s.add({ ...req('x', 3), stop: [42] }, 0);
    s.complete(s.schedule(0)!, [5], 0.1);
    s.complete(s.schedule(0.1)!, [42], 0.2);
    expect(s.sequence('x')!.finishReason).toBe('stop');
    expect(s.sequence('x')!.generated).toEqual([5, 42]);
  });
});

describe('bad input', () => {
  const s = () => new Scheduler(makePolicy('serial'), opts({ contextLength: 100, kvBlocks: 4 }));
  it.each([
    [{ prompt: [] as number[] }, /empty/],
    [{ maxTokens: 0 }, /maxTokens/],
    [{ prompt: Array(95).fill(1), maxTokens: 10 }, /context/],
    [{ prompt: Array(60).fill(1), maxTokens: 10 }, /whole cache holds 64/],
  ])('refuses %j', (patch, msg) => {
    expect(() => s().add({ id: 'a', prompt: [1], maxTokens: 1, arrivalS: 0, ...patch }, 0)).toThrow(InvalidRequestError);
    expect(() => s().add({ id: 'a', prompt: [1], maxTokens: 1, arrivalS: 0, ...patch }, 0)).toThrow(msg);
  });

  it.each([
    [{}, /JSON array/],
    [[], /empty/],
    [[{ arrivalS: -1, promptTokens: 3, outputTokens: 1 }], /arrivalS/],
    [[{ arrivalS: 0, promptTokens: 0, outputTokens: 1 }], /promptTokens/],
    [[{ arrivalS: 0, promptTokens: 2, outputTokens: 1.5 }], /outputTokens/],
    [[{ arrivalS: 0, prompt: '', outputTokens: 1 }], /prompt/],
  ])('refuses the trace %j', (trace, msg) => {
    expect(() => parseTrace(trace)).toThrow(WorkloadError);
    expect(() => parseTrace(trace)).toThrow(msg);
  });

  it('refuses an unknown policy', () => expect(() => makePolicy('fifo')).toThrow(/unknown policy 'fifo'/));
});

describe('workloads', () => {
  it('Gamma gaps have mean 1/rate, and burstiness sets their spread', () => {
    const rand = mulberry32(3);
    for (const [shape, cv] of [
      [1, 1],
      [0.25, 2],
      [4, 0.5],
    ] as const) {
      const xs = Array.from({ length: 40_000 }, () => gammaSample(shape, 1 / (10 * shape), rand));
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
      expect(mean).toBeCloseTo(0.1, 2);
      expect(sd / mean).toBeCloseTo(cv, 1);
    }
  });

  it('is the same for the same seed, and rate Infinity sends all at once', () => {
    const o = { requests: 10, rate: 5, promptTokens: [1, 9] as [number, number], outputTokens: [1, 9] as [number, number], seed: 4 };
    expect(poissonWorkload(o)).toEqual(poissonWorkload(o));
    expect(poissonWorkload({ ...o, rate: Infinity }).every((e) => e.arrivalS === 0)).toBe(true);
  });

  it("atRate compresses arrivals drawn at one request per second into the same seed's workload at that rate", () => {
    const o = {
      requests: 50,
      promptTokens: [1, 99] as [number, number],
      outputTokens: [1, 9] as [number, number],
      seed: 7,
      burstiness: 0.5,
    };
    const scaled = atRate(poissonWorkload({ ...o, rate: 1 }), 8);
    const direct = poissonWorkload({ ...o, rate: 8 });
    expect(scaled.map((e) => [e.promptTokens, e.outputTokens])).toEqual(direct.map((e) => [e.promptTokens, e.outputTokens]));
    scaled.forEach((e, i) => expect(e.arrivalS).toBeCloseTo(direct[i]!.arrivalS, 12));
    for (const bad of [0, -1, Infinity, NaN]) expect(() => atRate(direct, bad)).toThrow(WorkloadError);
  });

  it('text prompts become byte tokens; length prompts deterministic ids', () => {
    const [a, b] = toRequests(
      parseTrace([
        { arrivalS: 0, prompt: 'hi', outputTokens: 2 },
        { arrivalS: 1, promptTokens: 5, outputTokens: 1 },
      ]),
      encode,
    );
    expect(a!.prompt).toEqual(encode('hi'));
    expect(b!.prompt).toHaveLength(5);
    expect(toRequests([{ arrivalS: 1, promptTokens: 5, outputTokens: 1 }], encode)[0]!.prompt).toHaveLength(5);
  });
});
