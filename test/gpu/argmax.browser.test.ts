import { describe, expect, it } from 'vitest';
import { Argmax } from '../../src/kernels/argmax.js';
import { argmax } from '../../src/ref/argmax.js';
import { gpu, kernelsFor, randomArray, readU32, run } from './helpers.js';

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
    const op = await Argmax.create(ctx, kernelsFor(ctx), V, ctx.storage('l', logits.byteLength, logits), ids);
    run(ctx, (pass) => op.encode(pass, M));
    expect(await readU32(ctx, ids, M)).toEqual(argmax(logits, M, V));
  });
});
