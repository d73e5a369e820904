import { describe, expect, it } from 'vitest';
import { Argmax } from '../../src/kernels/argmax.js';
import { Residual } from '../../src/kernels/residual.js';
import { SwiGlu } from '../../src/kernels/swiglu.js';
import { add, argmax, swiglu } from '../../src/ref/elementwise.js';
import { gpu, randomArray, readF32, readU32, run, U32, worst } from './helpers.js';

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
    const op = await SwiGlu.create(ctx, F, ctx.storage('gu', gu.byteLength, gu), out);
    run(ctx, (pass) => op.encode(pass, T));
    const bound = (i: number) => {
      const g = gu[Math.floor(i / F) * 2 * F + (i % F)]!;
      return (16 + 4 * Math.abs(g)) * U32 * Math.abs(want[i]!) + 1e-30;
    };
    expect(worst(await readF32(ctx, out, T * F), want, bound)).toBeUndefined();
  });
});

// Tolerance: none. One f32 addition is correctly rounded on both sides.
// D % 4 == 0 adds whole vec4s (src/kernels/residual.ts), other D one value at a time.
describe('residual', () => {
  it.each([
    [1, 1],
    [3, 63],
    [64, 65],
    [65, 127],
    [1, 4],
    [3, 64],
    [65, 128],
  ])('rows=%i D=%i adds exactly', async (T, D) => {
    const ctx = await gpu();
    const x = randomArray(T * D, 1 + T);
    const y = randomArray(T * D, 2 + D);
    const xb = ctx.storage('x', x.byteLength, x);
    const op = await Residual.create(ctx, D, xb, ctx.storage('y', y.byteLength, y));
    run(ctx, (pass) => op.encode(pass, T));
    expect(await readF32(ctx, xb, T * D)).toEqual(add(x.slice(), y));
  });
});

// Tolerance: none. Comparisons are exact; ties go to the first index on both sides.
describe('argmax', () => {
  it.each([
    [1, 1],
    [3, 3],
    [63, 258],
    [2, 32000],
  ])('rows=%i V=%i picks the reference ids', async (M, V) => {
    const ctx = await gpu();
    const logits = randomArray(M * V, M + V);
    if (V > 2) {
      // A tie between two later entries: the first must win.
      logits[V - 1] = 10;
      logits[V - 2] = 10;
    }
    const ids = ctx.storage('ids', M * 4);
    const op = await Argmax.create(ctx, V, ctx.storage('l', logits.byteLength, logits), ids);
    run(ctx, (pass) => op.encode(pass, M));
    expect(await readU32(ctx, ids, M)).toEqual(argmax(logits, M, V));
  });
});
