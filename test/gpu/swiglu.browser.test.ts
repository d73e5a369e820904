import { describe, expect, it } from 'vitest';
import { SwiGlu } from '../../src/kernels/swiglu.js';
import { swiglu } from '../../src/ref/swiglu.js';
import { gpu, kernelsFor, randomArray, readF32, run, U32, worst } from './helpers.js';

// Tolerance: relative (16 + 4|g|) u. WGSL promises exp within 3 + 2|x| ulp; the
// add, divide (2.5 ulp) and multiply add about 5 more; an ulp is at most 2u.
// F % 4 == 0 takes four columns per invocation (src/kernels/swiglu.ts), other F one.
describe('swiglu', () => {
  it.each([
    [1, 1],
    [3, 3],
    [63, 64],
    [64, 65],
    [65, 127],
    [2, 1000],
    [1, 4],
    [65, 172],
  ])('rows=%i F=%i matches the reference', async (T, F) => {
    const ctx = await gpu();
    const gu = randomArray(T * 2 * F, T * F, 8);
    const want = swiglu(gu, T, F);
    const out = ctx.storage('out', T * F * 4);
    const op = await SwiGlu.create(ctx, kernelsFor(ctx), F, ctx.storage('gu', gu.byteLength, gu), out);
    run(ctx, (pass) => op.encode(pass, T));
    const bound = (i: number) => {
      const g = gu[Math.floor(i / F) * 2 * F + (i % F)]!;
      return (16 + 4 * Math.abs(g)) * U32 * Math.abs(want[i]!) + 1e-30;
    };
    expect(worst(await readF32(ctx, out, T * F), want, bound)).toBeUndefined();
  });
});
