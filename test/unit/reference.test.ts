import { describe, expect, it } from 'vitest';
import { attention } from '../../src/ref/attention.js';
import { argmax } from '../../src/ref/argmax.js';
import { embedding } from '../../src/ref/embedding.js';
import { gemm } from '../../src/ref/gemm.js';
import { gemv } from '../../src/ref/gemv.js';
import { kvWrite } from '../../src/ref/kv_write.js';
import { residual } from '../../src/ref/residual.js';
import { rmsnorm } from '../../src/ref/rmsnorm.js';
import { swiglu } from '../../src/ref/swiglu.js';
import { ropeTable } from '../../src/numeric/rope-table.js';
import { rope } from '../../src/ref/rope.js';
import { CpuModel } from '../../src/ref/forward.js';
import { preset } from '../../src/model/config.js';
import { syntheticWeights } from '../../src/model/weights.js';
import { encode } from '../../src/model/tokenizer.js';

// Hand-computed cases: the reference must be right before it can judge kernels.
describe('reference math', () => {
  it('gemm and gemv', () => {
    // [1 2; 3 4] . [5 6 7; 8 9 10]
    const [a, w] = [Float32Array.of(1, 2, 3, 4), Float32Array.of(5, 6, 7, 8, 9, 10)];
    expect([...gemm(a, w, 2, 2, 3)]).toEqual([21, 24, 27, 47, 54, 61]);
    expect([...gemv(a, w, 2, 2, 3)]).toEqual([21, 24, 27, 47, 54, 61]);
    // The same sums in the same order: the same bits, whatever the values.
    const x = Float32Array.from({ length: 3 * 67 }, (_, i) => Math.sin(i * 1.7) * 3);
    const m = Float32Array.from({ length: 67 * 5 }, (_, i) => Math.cos(i * 0.3) / 7);
    expect(gemv(x, m, 3, 67, 5)).toEqual(gemm(x, m, 3, 67, 5));
  });

  it('kv_write puts each row in its block: slot = table[seq][pos / 16] * 16 + pos % 16, keys then values', () => {
    // Two rows of one sequence at positions 17 and 3, kvWidth 2, blocks of 16; the sequence's
    // table row is [1, 0]: positions 0-15 in block 1, 16-31 in block 0. qkv row: [q, k0, k1, v0, v1].
    const qkv = Float32Array.of(9, 1, 2, 3, 4, 9, 5, 6, 7, 8);
    const dims = { rows: 2, qkvStride: 5, kOffset: 1, kvWidth: 2, blockSize: 16, blocksPerSeq: 2, capacity: 32 };
    const cache = kvWrite(qkv, [17, 3], [0, 0], [1, 0], new Float32Array(2 * 32 * 2), dims);
    const key = (slot: number) => [...cache.subarray(slot * 2, slot * 2 + 2)];
    const value = (slot: number) => [...cache.subarray((32 + slot) * 2, (32 + slot) * 2 + 2)];
    expect([key(1), value(1)]).toEqual([
      [1, 2],
      [3, 4],
    ]); // position 17: block 0, slot 1
    expect([key(19), value(19)]).toEqual([
      [5, 6],
      [7, 8],
    ]); // position 3: block 1, slot 16 + 3
    expect(cache.filter((v) => v !== 0)).toHaveLength(8);
  });

  it('embedding gathers rows', () => {
    expect([...embedding(Float32Array.of(0, 1, 10, 11, 20, 21), [2, 0], 2)]).toEqual([20, 21, 0, 1]);
  });

  it('rmsnorm', () => {
    // x = [3, 4]: mean square 12.5
    const out = rmsnorm(Float32Array.of(3, 4), Float32Array.of(1, 2), 1, 2, 0);
    expect(out[0]).toBeCloseTo(3 / Math.sqrt(12.5), 6);
    expect(out[1]).toBeCloseTo((2 * 4) / Math.sqrt(12.5), 6);
  });

  it('swiglu', () => {
    const out = swiglu(Float32Array.of(0, 2, 5, 7), 1, 2); // gate [0, 2], up [5, 7]
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo((2 / (1 + Math.exp(-2))) * 7, 5);
  });

  it('residual and argmax (first index wins a tie)', () => {
    expect([...residual(Float32Array.of(1, 2), Float32Array.of(3, 4))]).toEqual([4, 6]);
    expect([...argmax(Float32Array.of(1, 5, 5, 0, -1, -2), 2, 3)]).toEqual([1, 0]);
  });

  it('rope turns pair (i, i + Dh/2) by pos * theta^(-2i/Dh) and leaves position 0 alone', () => {
    const table = ropeTable(4, 4, 10000);
    const x = Float32Array.of(1, 2, 3, 4);
    expect([...rope(x.slice(), [0], table, 1, 4, 1, 4)]).toEqual([1, 2, 3, 4]);
    const out = rope(x.slice(), [3], table, 1, 4, 1, 4);
    const a0 = 3; // pair 0: angle 3
    const a1 = 3 * 10000 ** -0.5; // pair 1
    expect(out[0]).toBeCloseTo(1 * Math.cos(a0) - 3 * Math.sin(a0), 6);
    expect(out[2]).toBeCloseTo(3 * Math.cos(a0) + 1 * Math.sin(a0), 6);
    expect(out[1]).toBeCloseTo(2 * Math.cos(a1) - 4 * Math.sin(a1), 6);
  });

  it('attention: one key returns its value; equal scores average; GQA maps heads to KV heads', () => {
    // H = 2 query heads sharing Hkv = 1 KV head, Dh = 2.
    const k = Float32Array.of(1, 0, 1, 0);
    const v = Float32Array.of(2, 4, 6, 8);
    const q = Float32Array.of(1, 1, 0, 5);
    expect([...attention(q, 4, k, v, [0], 1, 2, 1, 2)]).toEqual([2, 4, 2, 4]);
    const both = attention(q, 4, k, v, [1], 1, 2, 1, 2); // equal keys: plain mean of the values
    expect([...both].map((x) => Math.round(x * 1e5) / 1e5)).toEqual([4, 6, 4, 6]);
  });
});

describe('CPU model', () => {
  it('prefill then decode gives the logits of one long prefill (the cache is right)', () => {
    const w = syntheticWeights(preset('tiny'), 'f32', 9);
    const ids = encode('cache check');
    const a = new CpuModel(w);
    const whole = a.forward(ids);
    const b = new CpuModel(w);
    b.forward(ids.slice(0, 5));
    const rest = b.forward(ids.slice(5));
    const V = w.config.vocab;
    const tail = whole.subarray(5 * V);
    for (let i = 0; i < rest.length; i++) expect(Math.abs(rest[i]! - tail[i]!)).toBeLessThan(1e-5);
  });

  it('synthetic weights keep activations sane at depth (logits neither vanish nor explode)', () => {
    const deep = { ...preset('tiny'), layers: 24 };
    const logits = new CpuModel(syntheticWeights(deep)).forward(encode('deep'));
    const rms = Math.sqrt(logits.reduce((s, x) => s + x * x, 0) / logits.length);
    expect(rms).toBeGreaterThan(0.1);
    expect(rms).toBeLessThan(10);
  });

  it('is deterministic for a seed', () => {
    const a = new CpuModel(syntheticWeights(preset('tiny'), 'f32', 5)).generate(encode('x'), 8);
    const b = new CpuModel(syntheticWeights(preset('tiny'), 'f32', 5)).generate(encode('x'), 8);
    expect(a).toEqual(b);
    expect(a).toHaveLength(8);
  });
});
