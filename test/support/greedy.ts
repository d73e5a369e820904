import type { CpuModel } from '../../src/ref/forward.js';

// Greedy runs compared across engines (llama.cpp, our CPU reference, our GPU): 32 steps from
// one prompt, and where two runs part, whether the reference's top two logits were a
// near-tie there (within 1e-4 of the logits' scale, the whole-model tolerance of
// src/ref/compare.ts): a step either engine may take either way.

export const GREEDY_STEPS = 32;
export const NEAR_TIE = 1e-4;
export const GREEDY_PROMPT = 'Once upon a time, in a land far away,';

/** The reference's greedy tokens, with each step's top-two gap over the logits' scale. */
export function referenceGreedy(m: CpuModel, prompt: number[], steps = GREEDY_STEPS): { tokens: number[]; gaps: number[] } {
  const V = m.config.vocab;
  m.reset();
  let logits = m.forward(prompt).subarray((prompt.length - 1) * V);
  const tokens: number[] = [];
  const gaps: number[] = [];
  for (let s = 0; s < steps; s++) {
    let [a, b, best, scale] = [-Infinity, -Infinity, 0, 0];
    for (let v = 0; v < V; v++) {
      const x = logits[v]!;
      scale = Math.max(scale, Math.abs(x));
      if (x > a) [b, a, best] = [a, x, v];
      else if (x > b) b = x;
    }
    tokens.push(best);
    gaps.push((a - b) / scale);
    if (s < steps - 1) logits = m.forward([best]);
  }
  return { tokens, gaps };
}

/** Where two greedy runs part: -1 if they never do. */
export function partAt(ours: readonly number[], theirs: readonly number[]): number {
  for (let i = 0; i < Math.min(ours.length, theirs.length); i++) if (ours[i] !== theirs[i]) return i;
  return ours.length === theirs.length ? -1 : Math.min(ours.length, theirs.length);
}
