import { describe, expect, it } from 'vitest';
import { buildTrace, nestingViolation } from '../../bench/report/trace.js';

describe('trace.json', () => {
  const events = [
    { type: 'arrive', seqId: 'a', t: 0 },
    { type: 'schedule', seqId: 'a', t: 0.01 },
    { type: 'token', seqId: 'a', t: 0.05, token: 1 },
    { type: 'preempt', seqId: 'a', t: 0.06 },
    { type: 'token', seqId: 'a', t: 0.09, token: 2 },
    { type: 'finish', seqId: 'a', t: 0.09, reason: 'length' },
    { type: 'arrive', seqId: 'b', t: 0.02 },
    { type: 'schedule', seqId: 'b', t: 0.05 },
    { type: 'token', seqId: 'b', t: 0.07, token: 3 },
    { type: 'finish', seqId: 'b', t: 0.07, reason: 'stop' },
  ].map((e) => ({ ...e, policy: 'continuous', pid: 1 })) as never[];
  const steps = [
    { startS: 0.01, endS: 0.05, gpuMs: 30, rows: 9, prefillRows: 9, decodeRows: 0, seqs: ['a'], policy: 'continuous', pid: 1 },
    { startS: 0.05, endS: 0.07, gpuMs: 15, rows: 2, prefillRows: 1, decodeRows: 1, seqs: ['a', 'b'], policy: 'continuous', pid: 1 },
  ];
  const profiles = [
    { step: 'decode' as const, rows: 1, kernelsMs: { qkv: 1, attention: 2 }, attributedMs: 3, productionMs: 2.9, gapMs: 0.1 },
  ];

  it('is Chrome Trace Event JSON whose slices nest per thread', () => {
    const trace = JSON.parse(JSON.stringify(buildTrace({ serve: { events, steps }, profiles })));
    expect(trace.displayTimeUnit).toBe('ms');
    for (const e of trace.traceEvents) {
      expect(['X', 'i', 'M']).toContain(e.ph);
      expect(Number.isFinite(e.ts)).toBe(true);
      if (e.ph === 'X') expect(e.dur).toBeGreaterThanOrEqual(0);
    }
    expect(nestingViolation(trace.traceEvents)).toBeUndefined();
  });

  it('has each request queued, then running with prefill and decode inside, and the preemption marked', () => {
    const { traceEvents } = buildTrace({ serve: { events, steps } });
    const a = traceEvents.filter((e) => e.pid === 1 && e.tid === 10 && e.ph !== 'M');
    expect(a.map((e) => e.name)).toEqual(['queued', 'running', 'prefill', 'decode', 'preempted']);
    expect(a[0]).toMatchObject({ ts: 0, dur: 10000 });
    expect(a[2]).toMatchObject({ ts: 10000, dur: 40000 });
    const gpu = traceEvents.filter((e) => e.tid === 2 && e.ph === 'X');
    expect(gpu.map((e) => [e.ts, e.dur])).toEqual([
      [20000, 30000],
      [55000, 15000],
    ]);
    expect(traceEvents.filter((e) => e.ph === 'M').map((e) => (e.args as { name: string }).name)).toContain('serve: continuous');
  });

  it('lays the profiled kernels end to end inside their step', () => {
    const { traceEvents } = buildTrace({ profiles });
    const k = traceEvents.filter((e) => e.pid === 1000 && e.ph === 'X');
    expect(k.map((e) => e.name)).toEqual(['decode step', 'qkv', 'attention']);
    expect(k[2]!.ts).toBe(k[1]!.ts + k[1]!.dur!);
    expect(nestingViolation(traceEvents)).toBeUndefined();
  });

  it('keeps kernels end to end when their float times do not add up exactly', () => {
    // 2551.369 + 4157.6720000000005 us came to 6709.041000000001, past the next kernel's start.
    const kernelsMs = { embedding: 2.5513688034480557, qkv: 4.1576721506111, rope: 15.621751436746614, argmax: 1.9262309210913957 };
    const attributedMs = Object.values(kernelsMs).reduce((a, b) => a + b, 0);
    const { traceEvents } = buildTrace({
      profiles: [{ step: 'prefill', rows: 64, kernelsMs, attributedMs, productionMs: attributedMs, gapMs: 0 }],
    });
    expect(nestingViolation(traceEvents)).toBeUndefined();
  });

  it('catches slices that overlap without nesting', () => {
    const bad = [
      { name: 'a', ph: 'X' as const, ts: 0, dur: 10, pid: 1, tid: 1 },
      { name: 'b', ph: 'X' as const, ts: 5, dur: 10, pid: 1, tid: 1 },
    ];
    expect(nestingViolation(bad)).toMatch(/'b'.*overlaps 'a'/);
  });
});
