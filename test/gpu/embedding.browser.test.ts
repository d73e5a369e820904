import { describe, expect, it } from 'vitest';
import { Embedding } from '../../src/kernels/embedding.js';
import { packTable } from '../../src/kernels/packing.js';
import { roundToF16InPlace } from '../../src/numeric/f16.js';
import { embedding } from '../../src/ref/embedding.js';
import { gpu, kernelsFor, randomArray, readF32, run } from './helpers.js';

// Tolerance: none. The gather copies f32 bits, or widens f16 to f32, which is exact.
describe.each(['f32', 'f16'] as const)('embedding, %s table', (dtype) => {
  it.each([
    [1, 1, 1],
    [3, 3, 2],
    [63, 65, 7],
    [64, 64, 64],
    [65, 63, 130],
    [258, 127, 65],
  ])('V=%i D=%i rows=%i equals the reference exactly', async (V, D, rows) => {
    const ctx = await gpu();
    let table = randomArray(V * D, V + D);
    if (dtype === 'f16') table = roundToF16InPlace(table);
    const ids = Uint32Array.from({ length: rows }, (_, i) => (i * 7919 + 3) % V);
    const packed = packTable(table, V, D, dtype);
    const out = ctx.storage('out', rows * D * 4);
    const op = await Embedding.create(
      ctx,
      kernelsFor(ctx),
      dtype,
      D,
      packed.rowWords,
      ctx.storage('ids', ids.byteLength, ids),
      ctx.storage('t', packed.words.byteLength, packed.words),
      out,
    );
    run(ctx, (pass) => op.encode(pass, rows));
    expect(await readF32(ctx, out, rows * D)).toEqual(embedding(table, ids, D));
  });
});
