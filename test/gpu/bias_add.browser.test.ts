import { describe, expect, it } from 'vitest';
import { BiasAdd } from '../../src/kernels/bias_add.js';
import { biasAdd } from '../../src/ref/bias_add.js';
import { gpu, kernelsFor, randomArray, readF32, run } from './helpers.js';

// Tolerance: none. One f32 addition per value is correctly rounded on both sides.
// N % 4 == 0 adds whole vec4s (src/kernels/bias_add.ts), other N one value at a time.
describe('bias_add', () => {
  it.each([
    [1, 1],
    [3, 63],
    [64, 65],
    [65, 127],
    [1, 4],
    [3, 64],
    [33, 192],
  ])('rows=%i N=%i adds the bias to every row exactly', async (T, N) => {
    const ctx = await gpu();
    const x = randomArray(T * N, 7 + T);
    const b = randomArray(N, 9 + N);
    const xb = ctx.storage('x', x.byteLength, x);
    const op = await BiasAdd.create(ctx, kernelsFor(ctx), N, xb, ctx.storage('b', b.byteLength, b));
    run(ctx, (pass) => op.encode(pass, T));
    expect(await readF32(ctx, xb, T * N)).toEqual(biasAdd(x.slice(), b, T, N));
  });
});
