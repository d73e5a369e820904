// Chrome Trace Event format (chrome://tracing, Perfetto): the serving runs'
// scheduler events and per-step GPU times on one clock, and the per-kernel
// profile of one prefill and one decode step.
import type { StepRecord } from '../../src/index.js';
import type { TraceEvent } from '../suites/trace.js';
import type { StepProfile } from '../suites/sweep-rows.js';

export interface ChromeEvent {
  name: string;
  cat?: string;
  ph: 'X' | 'i' | 'M';
  ts: number; // microseconds
  dur?: number;
  pid: number;
  tid: number;
  s?: 't';
  args?: Record<string, unknown>;
}

export interface TraceInput {
  serve?: { events: TraceEvent[]; steps: (StepRecord & { policy: string; pid: number })[] };
  profiles?: StepProfile[];
  profileModel?: string;
}

const us = (s: number) => Math.round(s * 1e6 * 1000) / 1000;
const STEPS_TID = 1;
const GPU_TID = 2;
const REQUEST_TID0 = 10;

export function buildTrace(input: TraceInput): { traceEvents: ChromeEvent[]; displayTimeUnit: 'ms' } {
  const out: ChromeEvent[] = [];
  const meta = (pid: number, tid: number, kind: 'process_name' | 'thread_name', name: string) =>
    out.push({ name: kind, ph: 'M', ts: 0, pid, tid, args: { name } });
  const slice = (pid: number, tid: number, name: string, startS: number, endS: number, cat: string, args?: Record<string, unknown>) =>
    // dur rounded like ts (0.001 us), so a slice that starts where another ends starts at its end.
    out.push({
      name,
      cat,
      ph: 'X',
      ts: us(startS),
      dur: Math.max(0, Math.round((us(endS) - us(startS)) * 1000) / 1000),
      pid,
      tid,
      ...(args ? { args } : {}),
    });

  if (input.serve) {
    const byPid = new Map<number, TraceEvent[]>();
    for (const e of input.serve.events) byPid.set(e.pid, [...(byPid.get(e.pid) ?? []), e]);
    for (const [pid, events] of byPid) {
      meta(pid, 0, 'process_name', `serve: ${events[0]!.policy}`);
      meta(pid, STEPS_TID, 'thread_name', 'engine steps (wall)');
      meta(pid, GPU_TID, 'thread_name', 'GPU (timestamps)');
      const ids = [...new Set(events.map((e) => e.seqId))];
      ids.forEach((id, i) => {
        const tid = REQUEST_TID0 + i;
        meta(pid, tid, 'thread_name', `request ${id}`);
        const mine = events.filter((e) => e.seqId === id);
        const at = (type: string) => mine.find((e) => e.type === type)?.t;
        const arrive = at('arrive');
        const scheduled = at('schedule');
        const first = at('token');
        const fin = mine.find((e) => e.type === 'finish');
        if (arrive !== undefined && scheduled !== undefined) slice(pid, tid, 'queued', arrive, scheduled, 'request');
        if (scheduled !== undefined && fin) {
          slice(pid, tid, 'running', scheduled, fin.t, 'request', { finish: fin.type === 'finish' ? fin.reason : undefined });
          const firstToken = first ?? fin.t;
          slice(pid, tid, 'prefill', scheduled, firstToken, 'request');
          if (first !== undefined) slice(pid, tid, 'decode', first, fin.t, 'request');
        }
        for (const p of mine.filter((e) => e.type === 'preempt'))
          out.push({ name: 'preempted', cat: 'request', ph: 'i', s: 't', ts: us(p.t), pid, tid });
      });
    }
    for (const s of input.serve.steps) {
      slice(s.pid, STEPS_TID, s.decodeRows === s.rows ? 'decode step' : 'prefill chunk', s.startS, s.endS, 'step', {
        rows: s.rows,
        prefillRows: s.prefillRows,
        decodeRows: s.decodeRows,
        seqs: s.seqs,
      });
      // The GPU's part of the step ends when its results came back.
      if (Number.isFinite(s.gpuMs))
        slice(s.pid, GPU_TID, 'forward pass', Math.max(s.startS, s.endS - s.gpuMs / 1000), s.endS, 'gpu', { gpuMs: s.gpuMs });
    }
  }

  if (input.profiles?.length) {
    const pid = 1000;
    meta(pid, 0, 'process_name', `kernel profile${input.profileModel ? `: ${input.profileModel}` : ''} (one pass per kernel)`);
    let t = 0;
    input.profiles.forEach((p, i) => {
      const tid = i + 1;
      meta(pid, tid, 'thread_name', `${p.step} step, ${p.rows} rows`);
      slice(pid, tid, `${p.step} step`, t, t + p.attributedMs / 1000, 'profile', {
        attributedMs: p.attributedMs,
        productionMs: p.productionMs,
        gapMs: p.gapMs,
      });
      let k = t;
      for (const [kernel, ms] of Object.entries(p.kernelsMs)) {
        slice(pid, tid, kernel, k, k + ms / 1000, 'kernel', { ms });
        k += ms / 1000;
      }
      t += p.attributedMs / 1000 + 0.001;
    });
  }
  return { traceEvents: out, displayTimeUnit: 'ms' };
}

/** Checks that the X events of every thread nest or are disjoint; returns the first violation. */
export function nestingViolation(events: ChromeEvent[]): string | undefined {
  const byThread = new Map<string, ChromeEvent[]>();
  for (const e of events) if (e.ph === 'X') byThread.set(`${e.pid}/${e.tid}`, [...(byThread.get(`${e.pid}/${e.tid}`) ?? []), e]);
  for (const [key, xs] of byThread) {
    xs.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const open: ChromeEvent[] = [];
    for (const e of xs) {
      // ts + dur is a sum of two rounded decimals: compare with a margin far below their 0.001 us step.
      while (open.length && open[open.length - 1]!.ts + open[open.length - 1]!.dur! <= e.ts + 1e-6) open.pop();
      const parent = open[open.length - 1];
      if (parent && e.ts + e.dur! > parent.ts + parent.dur! + 1e-3)
        return `${key}: '${e.name}' at ${e.ts} overlaps '${parent.name}' without nesting`;
      open.push(e);
    }
  }
  return undefined;
}
