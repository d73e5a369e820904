import { describe, expect, it } from 'vitest';
import { Residual } from '../../src/kernels/residual.js';
import { residual } from '../../src/ref/residual.js';
import { gpu, kernelsFor, randomArray, readF32, run } from './helpers.js';

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
    const op = await Residual.create(ctx, kernelsFor(ctx), D, xb, ctx.storage('y', y.byteLength, y));
    run(ctx, (pass) => op.encode(pass, T));
    expect(await readF32(ctx, xb, T * D)).toEqual(residual(x.slice(), y));
  });
});
