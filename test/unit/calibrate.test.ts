import { describe, expect, it } from 'vitest';
import { calibratedModel, roundRobinMeans, type StepCalibration } from '../../src/serve/calibrate.js';
import type { PlanItem, StepPlan } from '../../src/sched/types.js';

const cal: StepCalibration = {
  decodeMs: [10, 12, 15, 15],
  prefillFixedMs: 20,
  prefillPerRowMs: 2,
  attentionMsPerPair: 0.001,
  contextAtCalibration: 64,
};
const item = (kind: 'prefill' | 'decode', count: number, start: number): PlanItem => ({
  seqId: `s${start}`,
  slot: 0,
  tokens: new Array(count).fill(65),
  start,
  kind,
  sample: true,
  blocks: [],
});
const plan = (...items: PlanItem[]): StepPlan => ({ items, rows: items.reduce((a, i) => a + i.tokens.length, 0) });

describe('calibrated step times for the simulator', () => {
  it('decode steps take their batch size from the table, adjusted for context past the calibration', () => {
    const m = calibratedModel(cal);
    expect(m(plan(item('decode', 1, 64)))).toBeCloseTo(0.01, 12);
    expect(m(plan(item('decode', 1, 64), item('decode', 1, 64), item('decode', 1, 64)))).toBeCloseTo(0.015, 12);
    // 100 and 164 cached positions: 36 + 100 pairs past the calibration's 64.
    expect(m(plan(item('decode', 1, 100), item('decode', 1, 164)))).toBeCloseTo((12 + 0.001 * 136) / 1000, 12);
    // Past the table: linear in B from its last entry.
    expect(m(plan(...Array.from({ length: 8 }, () => item('decode', 1, 64))))).toBeCloseTo(0.03, 12);
  });

  it("steps with prompt rows: the fitted line over all rows, plus every row's cached prefix", () => {
    const m = calibratedModel(cal);
    expect(m(plan(item('prefill', 32, 0)))).toBeCloseTo((20 + 2 * 32) / 1000, 12);
    // A chunk of 32 behind 64 cached positions, beside one decode row at 80.
    expect(m(plan(item('prefill', 32, 64), item('decode', 1, 80)))).toBeCloseTo((20 + 2 * 33 + 0.001 * (32 * 64 + 80)) / 1000, 12);
  });

  it("decode rows beside a prompt chunk cost the mixed step's decode-row time where one was measured", () => {
    const m = calibratedModel({ ...cal, mixedDecodeRowMs: 1.5 });
    // 32 prompt rows at 2 ms, 4 decode rows at 1.5, each decode's 100 cached positions.
    const decodes = Array.from({ length: 4 }, () => item('decode', 1, 100));
    expect(m(plan(item('prefill', 32, 0), ...decodes))).toBeCloseTo((20 + 2 * 32 + 1.5 * 4 + 0.001 * 400) / 1000, 12);
    // All-decode steps still come from the table.
    expect(m(plan(...decodes))).toBeCloseTo((15 + 0.001 * 4 * 36) / 1000, 12);
  });

  it('older calibration files without an attention term still work', () => {
    const old = { ...cal, attentionMsPerPair: undefined };
    expect(calibratedModel(old)(plan(item('prefill', 10, 500)))).toBeCloseTo((20 + 20) / 1000, 12);
  });
});

describe('timing step shapes in turn', () => {
  it("times a cheap shape several times a round and reports each shape's mean", async () => {
    // A fake clock: each call to a shape advances it by that shape's next duration.
    let t = 0;
    const order: string[] = [];
    const shape = (name: string, ms: (call: number) => number) => {
      let call = 0;
      return () => {
        order.push(name);
        t += ms(call++);
        return Promise.resolve();
      };
    };
    // A 20 ms step whose first timed run of each round is slow (32 ms), and a 60 ms step.
    const cheap = shape('cheap', (c) => (c >= 2 && (c - 2) % 6 === 1 ? 32 : 20));
    const dear = shape('dear', () => 60);
    const [cheapMs, dearMs] = await roundRobinMeans([cheap, dear], 3, () => t);
    // Warm-up: each twice; then per round: cheap untimed + 5 timed (100 ms / 20), dear untimed + 2 timed.
    expect(order).toEqual([
      'cheap',
      'cheap',
      'dear',
      'dear',
      ...Array.from({ length: 3 }, () => [...Array(6).fill('cheap'), 'dear', 'dear', 'dear']).flat(),
    ]);
    expect(cheapMs).toBeCloseTo((12 * 20 + 3 * 32) / 15, 12);
    expect(dearMs).toBe(60);
  });
});
