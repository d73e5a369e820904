import { describe, expect, it } from 'vitest';
import { Rope } from '../../src/kernels/rope.js';
import { ropeTable } from '../../src/numeric/rope-table.js';
import { rope } from '../../src/ref/rope.js';
import { gpu, kernelsFor, randomArray, readF32, run, U32, worst } from './helpers.js';

// Tolerance: 4u (|a cos| + |b sin|) per output. Each output is a two-term
// sum of products of the same f32 inputs and table values; two products and a
// sum round at most three times (fewer if fused), each within u of the exact
// terms' magnitude. Relative error is meaningless here: the terms can cancel.
describe('rope', () => {
  it.each([
    // rows, ropeHeads, Dh, extra columns after the roped heads (untouched V), first position
    [1, 1, 4, 0, 0],
    [3, 3, 16, 8, 5],
    [63, 6, 16, 32, 0],
    [64, 2, 64, 128, 64],
    [65, 12, 32, 64, 1],
    [1, 24, 128, 1024, 127],
  ])('rows=%i heads=%i Dh=%i (+%i untouched) from position %i', async (T, heads, Dh, extra, p0) => {
    const ctx = await gpu();
    const stride = heads * Dh + extra;
    const x = randomArray(T * stride, T + heads + Dh);
    const positions = Uint32Array.from({ length: T }, (_, t) => p0 + t * 3);
    const table = ropeTable(p0 + 3 * T + 1, Dh, 10000);
    const want = rope(x.slice(), positions, table, T, stride, heads, Dh);
    const half = Dh / 2;
    const bound = (i: number) => {
      const t = Math.floor(i / stride);
      const c = i % stride;
      if (c >= heads * Dh) return 1e-30; // outside the roped heads: must be untouched
      const k = c % Dh;
      const base = i - k;
      const j = k % half;
      const cs = table.cos[positions[t]! * half + j]!;
      const sn = table.sin[positions[t]! * half + j]!;
      return (
        4 *
          U32 *
          (Math.abs(x[base + j]! * cs) +
            Math.abs(x[base + j + half]! * cs) +
            Math.abs(x[base + j]! * sn) +
            Math.abs(x[base + j + half]! * sn)) +
        1e-30
      );
    };
    const buf = ctx.storage('x', x.byteLength, x);
    const op = await Rope.create(
      ctx,
      kernelsFor(ctx),
      { stride, ropeHeads: heads, headDim: Dh },
      buf,
      ctx.storage('pos', positions.byteLength, positions),
      ctx.storage('cos', table.cos.byteLength, table.cos),
      ctx.storage('sin', table.sin.byteLength, table.sin),
    );
    run(ctx, (pass) => op.encode(pass, T));
    expect(worst(await readF32(ctx, buf, T * stride), want, bound)).toBeUndefined();
  });
});
