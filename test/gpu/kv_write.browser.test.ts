import { describe, expect, it } from 'vitest';
import { KvWrite } from '../../src/kernels/kv_write.js';
import { kvWrite } from '../../src/ref/kv_write.js';
import { gpu, kernelsFor, randomArray, readF32, run } from './helpers.js';

// Tolerance: none. The kernel copies f32 values; the cache must equal the reference's bit
// for bit, untouched slots included (they keep the values the cache held before).

describe('kv_write', () => {
  it.each([
    // rows, sequences, kvWidth (Hkv * Dh), query width before the key
    [1, 1, 4, 0],
    [3, 2, 8, 4],
    [63, 3, 16, 32],
    [64, 4, 32, 64],
    [65, 5, 12, 24],
  ])('rows=%i over %i sequences, kvWidth=%i: every key and value lands in its block table slot', async (rows, nSeqs, kvWidth, qWidth) => {
    const ctx = await gpu();
    const blockSize = 16;
    const blocksPerSeq = 5; // 80 positions per sequence
    const capacity = nSeqs * blocksPerSeq * blockSize;
    const qkvStride = qWidth + 2 * kvWidth;
    // Each sequence's blocks scattered over the cache: block b of sequence s is block (b * nSeqs + s) in reverse.
    const table = Uint32Array.from(
      { length: nSeqs * blocksPerSeq },
      (_, i) => nSeqs * blocksPerSeq - 1 - ((i % blocksPerSeq) * nSeqs + Math.floor(i / blocksPerSeq)),
    );
    const seqs = Uint32Array.from({ length: rows }, (_, t) => (t * 7) % nSeqs);
    const positions = Uint32Array.from({ length: rows }, (_, t) => (t * 13 + 5) % (blocksPerSeq * blockSize));
    // Distinct (sequence, position) pairs: two rows never write the same slot.
    const pairs = new Set([...seqs].map((s, t) => `${s}:${positions[t]}`));
    expect(pairs.size).toBe(rows);
    const qkv = randomArray(rows * qkvStride, rows + kvWidth);
    const before = randomArray(2 * capacity * kvWidth, 3); // what the cache held: untouched slots keep it
    const dims = { rows, qkvStride, kOffset: qWidth, kvWidth, blockSize, blocksPerSeq, capacity };
    const want = kvWrite(qkv, positions, seqs, table, before.slice(), dims);
    const cache = ctx.storage('cache', before.byteLength, before);
    const bufs = {
      qkv: ctx.storage('qkv', qkv.byteLength, qkv),
      positions: ctx.storage('pos', positions.byteLength, positions),
      seqs: ctx.storage('seqs', seqs.byteLength, seqs),
      blockTable: ctx.storage('table', table.byteLength, table),
      cache,
    };
    const op = await KvWrite.create(ctx, kernelsFor(ctx), { kvWidth, blockSize, blocksPerSeq, capacity }, qkvStride, qWidth, bufs);
    run(ctx, (pass) => op.encode(pass, rows));
    const got = await readF32(ctx, cache, 2 * capacity * kvWidth);
    expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(want.buffer));
  });

  it('refuses widths that are not whole vec4s, before making anything', async () => {
    const ctx = await gpu();
    const b = ctx.storage('b', 64);
    const bufs = { qkv: b, positions: b, seqs: b, blockTable: b, cache: b };
    await expect(
      KvWrite.create(ctx, kernelsFor(ctx), { kvWidth: 6, blockSize: 16, blocksPerSeq: 1, capacity: 16 }, 18, 6, bufs),
    ).rejects.toThrow(/multiples of 4/);
  });
});
