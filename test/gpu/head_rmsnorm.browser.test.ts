import { describe, expect, it } from 'vitest';
import { HeadRmsNorm } from '../../src/kernels/head_rmsnorm.js';
import { headRmsnorm } from '../../src/ref/head_rmsnorm.js';
import { gpu, kernelsFor, randomArray, readF32, run, U32, worst } from './helpers.js';

// Tolerance: relative (Dh + 32) u, the RMSNorm test's bound with the head size as the
// width it sums over (the same operations: a sum of Dh squares, sqrt, a division, two
// multiplies). Values past the Q and K heads (the V columns) must come back untouched.
describe('head_rmsnorm', () => {
  it.each([
    // rows, query heads, key heads, head size, extra (V) columns
    [1, 1, 1, 4, 0],
    [3, 4, 2, 16, 32],
    [33, 3, 1, 12, 12],
    [65, 8, 4, 32, 128],
    [2, 2, 2, 128, 256],
  ])('rows=%i qHeads=%i kHeads=%i Dh=%i norms each Q and K head with its gain', async (T, qh, kh, Dh, vCols) => {
    const ctx = await gpu();
    const stride = (qh + kh) * Dh + vCols;
    const x = randomArray(T * stride, T + 3 * Dh, 3);
    const qg = randomArray(Dh, 11, 2);
    const kg = randomArray(Dh, 12, 2);
    const want = headRmsnorm(x.slice(), qg, kg, T, stride, qh, kh, Dh, 1e-6);
    const xb = ctx.storage('x', x.byteLength, x);
    const op = await HeadRmsNorm.create(
      ctx,
      kernelsFor(ctx),
      { stride, qHeads: qh, kHeads: kh, headDim: Dh, eps: 1e-6 },
      xb,
      ctx.storage('qg', qg.byteLength, qg),
      ctx.storage('kg', kg.byteLength, kg),
    );
    run(ctx, (pass) => op.encode(pass, T));
    const got = await readF32(ctx, xb, T * stride);
    expect(worst(got, want, (i) => (Dh + 32) * U32 * Math.abs(want[i]!) + 1e-30)).toBeUndefined();
    for (let t = 0; t < T; t++)
      expect(got.subarray(t * stride + (qh + kh) * Dh, (t + 1) * stride)).toEqual(
        x.subarray(t * stride + (qh + kh) * Dh, (t + 1) * stride),
      );
  });
});
