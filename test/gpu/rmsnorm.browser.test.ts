import { describe, expect, it } from 'vitest';
import { RmsNorm } from '../../src/kernels/rmsnorm.js';
import { rmsnorm } from '../../src/ref/rmsnorm.js';
import { gpu, kernelsFor, randomArray, readF32, run, U32, worst } from './helpers.js';

// Tolerance: relative (D + 32) u. The sum of D squares carries at most gamma_D
// relative error (halved by the square root); sqrt, the division and the two
// multiplies add a few ulp each (WGSL: sqrt and division within 2.5 ulp, an
// ulp being at most 2u). D u + 32 u covers both with room to spare.
// Both forms (src/kernels/kernel-set.ts picks one per adapter): one invocation or one workgroup per row.
describe.each(['invocation', 'workgroup'] as const)('rmsnorm, one %s per row', (form) => {
  it.each([
    [1, 1],
    [3, 3],
    [1, 63],
    [63, 64],
    [64, 65],
    [65, 127],
    [5, 1000],
  ])('rows=%i D=%i matches the reference', async (M, D) => {
    const ctx = await gpu();
    const kernels = kernelsFor(ctx, { rmsnorm: form });
    const x = randomArray(M * D, M * 31 + D, 3);
    const g = randomArray(D, D, 2);
    const want = rmsnorm(x, g, M, D, 1e-5);
    const out = ctx.storage('out', M * D * 4);
    const op = await RmsNorm.create(ctx, kernels, D, 1e-5, ctx.storage('x', x.byteLength, x), ctx.storage('g', g.byteLength, g), out);
    run(ctx, (pass) => op.encode(pass, M));
    expect(worst(await readF32(ctx, out, M * D), want, (i) => (D + 32) * U32 * Math.abs(want[i]!) + 1e-30)).toBeUndefined();
  });

  // D = 64 reads vec4s in the one-invocation form (src/kernels/rmsnorm.ts), 65 values.
  it.each([64, 65])('the gather form normalises the rows it is told to, in that order (D=%i)', async (D) => {
    const ctx = await gpu();
    const kernels = kernelsFor(ctx, { rmsnorm: form });
    const x = randomArray(10 * D, 4);
    const g = randomArray(D, 5);
    const rows = Uint32Array.of(9, 0, 4);
    const full = rmsnorm(x, g, 10, D, 1e-5);
    const want = new Float32Array(3 * D);
    rows.forEach((r, i) => want.set(full.subarray(r * D, (r + 1) * D), i * D));
    const out = ctx.storage('out', 3 * D * 4);
    const op = await RmsNorm.create(
      ctx,
      kernels,
      D,
      1e-5,
      ctx.storage('x', x.byteLength, x),
      ctx.storage('g', g.byteLength, g),
      out,
      ctx.storage('r', 12, rows),
    );
    run(ctx, (pass) => op.encode(pass, 3));
    expect(worst(await readF32(ctx, out, 3 * D), want, (i) => (D + 32) * U32 * Math.abs(want[i]!) + 1e-30)).toBeUndefined();
  });
});
