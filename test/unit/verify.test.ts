import { describe, expect, it } from 'vitest';
import { compareGreedy } from '../../bench/suites/verify.js';

// npm run verify's token check: a GPU may pick either side of a near-tie.
describe('greedy tokens against the reference', () => {
  const want = { tokens: [5, 6, 7, 8], margins: [0.1, 3e-5, 0.2, 0.2] };

  it('pass when equal', () => {
    expect(compareGreedy([5, 6, 7, 8], want)).toMatchObject({ pass: true, tie: false });
  });

  it('pass where they part at a tie closer than the logits tolerance (1e-4), and say so', () => {
    const r = compareGreedy([5, 9, 1, 1], want);
    expect(r).toMatchObject({ pass: true, tie: true });
    expect(r.detail).toMatch(/1 tokens equal the reference, then a near-tie/);
  });

  it('fail where they part with a clear winner', () => {
    const r = compareGreedy([5, 6, 9, 8], want);
    expect(r.pass).toBe(false);
    expect(r.detail).toMatch(/differs from token 2: got 9,8\.\.\., reference 7,8\.\.\./);
  });

  it('fail when the GPU stops short', () => {
    expect(compareGreedy([5, 6], { tokens: [5, 6, 7], margins: [1, 1, 1] }).pass).toBe(false);
  });
});
