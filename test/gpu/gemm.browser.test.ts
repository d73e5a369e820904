import { describe, expect, it } from 'vitest';
import { TuningError } from '../../src/errors.js';
import { Gemm } from '../../src/kernels/gemm.js';
import { Gemv } from '../../src/kernels/gemv.js';
import { packMatrix, type MatrixLayout } from '../../src/kernels/packing.js';
import type { GpuContext } from '../../src/gpu/context.js';
import { laneMatmulOnly } from '../../src/gpu/tuning.js';
import { roundToF16InPlace } from '../../src/numeric/f16.js';
import { matmul, matmulAbs } from '../../src/ref/matmul.js';
import { gpu, gpuTuning, randomArray, readF32, run, U32, withTuning, worst } from './helpers.js';

// Tolerance: the classical bound on f32 dot products in any summation order,
// |err| <= gamma_(K+2) * sum_k |a_k w_k| with gamma_n = n u / (1 - n u)
// (Higham, Accuracy and Stability of Numerical Algorithms, 3.1), where the +2
// covers the reference's own final rounding and the result's. It is a proven
// bound, not a fitted one: a kernel outside it has a real bug.
const bound = (K: number, abs: Float32Array) => (i: number) => (((K + 2) * U32) / (1 - (K + 2) * U32)) * abs[i]! + 1e-30;

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 3, 3],
  [1, 64, 65],
  [3, 65, 63],
  [63, 64, 65],
  [64, 63, 64],
  [65, 127, 3],
  [127, 65, 127],
  [129, 256, 200],
  [17, 1000, 9],
];

describe.each(['f32', 'f16'] as const)('gemm/gemv, %s weights', (dtype) => {
  it.each(SHAPES)(
    'M=%i K=%i N=%i: both GEMM variants and GEMV, with each activation exchange, match the reference, bit for bit with each other; so do the split-K GEMV and gemm_tiled in its K chunks',
    async (M, K, N) => {
      const ctx = await gpu();
      const a = randomArray(M * K, M * 7 + K);
      let w = randomArray(K * N, K * 13 + N);
      if (dtype === 'f16') {
        w = roundToF16InPlace(w);
        // Subnormal f16 weights, which the shifted unpacking must get right too.
        w[0] = 3 * 2 ** -24;
        w[w.length - 1] = -(2 ** -20);
      }
      const want = matmul(a, w, M, K, N);
      const abs = matmulAbs(a, w, M, K, N);
      const { layout, words } = packMatrix(w, K, N, dtype);
      const aBuf = ctx.storage('a', a.byteLength, a);
      const wBuf = ctx.storage('w', words.byteLength, words);
      // Every activation exchange this adapter supports (subgroups: SwiftShader has them).
      const modes = ctx.tuning.activations === 'subgroup' ? (['per-lane', 'subgroup'] as const) : (['per-lane'] as const);
      const results: Float32Array[] = [];
      for (const activations of modes) {
        for (const variant of ['direct', 'tiled'] as const) {
          const out = ctx.storage('out', M * N * 4);
          const gemm = await Gemm.create(withTuning(ctx, { activations, gemm: { ...ctx.tuning.gemm, variant } }), layout, aBuf, wBuf, out);
          run(ctx, (pass) => gemm.encode(pass, M));
          const got = await readF32(ctx, out, M * N);
          expect(worst(got, want, bound(K, abs)), `gemm_${variant}, ${activations}`).toBeUndefined();
          results.push(got);
        }
        const gemvOut = await gemvBySlices(withTuning(ctx, { activations }), layout, a, wBuf, M, K, N);
        expect(worst(gemvOut, want, bound(K, abs)), `gemv, ${activations}`).toBeUndefined();
        results.push(gemvOut);
      }
      // Batch invariance rests on this: one fma chain per output in every kernel.
      for (const r of results.slice(1)) expect(new Uint32Array(r.buffer)).toEqual(new Uint32Array(results[0]!.buffer));

      if (dtype === 'f16') {
        // f16 packed shifted (tuning f16Unpack 'bits'), read by the lane kernels with shifts
        // and a mask and the activations scaled: the same bits as unpack2x16float's.
        const shifted = packMatrix(w, K, N, dtype, true);
        expect(shifted.layout.f16Shift).toBeGreaterThanOrEqual(10); // weights below 64
        const sBuf = ctx.storage('w.shifted', shifted.words.byteLength, shifted.words);
        for (const activations of modes) {
          const out = ctx.storage('out', M * N * 4);
          const gemm = await Gemm.create(
            withTuning(ctx, { activations, gemm: { ...ctx.tuning.gemm, variant: 'direct' } }),
            shifted.layout,
            aBuf,
            sBuf,
            out,
          );
          run(ctx, (pass) => gemm.encode(pass, M));
          expect(new Uint32Array((await readF32(ctx, out, M * N)).buffer), `gemm_direct shifted, ${activations}`).toEqual(
            new Uint32Array(results[0]!.buffer),
          );
          const gemvOut = await gemvBySlices(
            withTuning(ctx, { activations, gemv: { ...ctx.tuning.gemv, variant: 'lanes' } }),
            shifted.layout,
            a,
            sBuf,
            M,
            K,
            N,
          );
          expect(new Uint32Array(gemvOut.buffer), `gemv shifted, ${activations}`).toEqual(new Uint32Array(results[0]!.buffer));
        }
        // Kernels that only unpack plain f16 refuse a shifted matrix rather than misread it.
        const many = withTuning(ctx, {
          gemv: { ...ctx.tuning.gemv, variant: 'splitk', splitInvocations: 256 },
          gemm: { ...gpuTuning.gemm },
        });
        await expect(Gemm.create(many, shifted.layout, aBuf, sBuf, ctx.storage('out', M * N * 4))).rejects.toThrow(TuningError);
        await expect(Gemv.create(many, shifted.layout, aBuf, sBuf, ctx.storage('out', N * 4), 1)).rejects.toThrow(TuningError);
      }

      // The split-K family (real GPUs): the GEMV sums K in chunks and gemm_tiled sums the
      // same chunks in the same order, in a GPU's tile (several row groups per workgroup)
      // and in one row group. A small thread target gives these shapes several chunks.
      const split = withTuning(ctx, {
        gemv: { ...ctx.tuning.gemv, variant: 'splitk', splitInvocations: 256 },
        gemm: { ...gpuTuning.gemm },
      });
      const tiledOut = ctx.storage('out', M * N * 4);
      const tiled = await Gemm.create(split, layout, aBuf, wBuf, tiledOut);
      run(ctx, (pass) => tiled.encode(pass, M));
      const chunkedGemm = await readF32(ctx, tiledOut, M * N);
      expect(worst(chunkedGemm, want, bound(K, abs)), 'gemm_tiled in K chunks').toBeUndefined();
      const oneRowGroup = withTuning(split, { gemm: { ...gpuTuning.gemm, workgroupY: 1 } });
      const narrow = await Gemm.create(oneRowGroup, layout, aBuf, wBuf, tiledOut);
      run(ctx, (pass) => narrow.encode(pass, M));
      expect(new Uint32Array((await readF32(ctx, tiledOut, M * N)).buffer), 'gemm_tiled, one row group').toEqual(
        new Uint32Array(chunkedGemm.buffer),
      );
      const splitOut = await gemvBySlices(split, layout, a, wBuf, M, K, N);
      expect(worst(splitOut, want, bound(K, abs)), 'split-K gemv').toBeUndefined();
      expect(new Uint32Array(splitOut.buffer)).toEqual(new Uint32Array(chunkedGemm.buffer));
    },
  );
});

/** A GEMV over M rows, one bucket-sized slice of rows at a time (up to 16 rows share a read of w). */
async function gemvBySlices(
  ctx: GpuContext,
  layout: MatrixLayout,
  a: Float32Array,
  wBuf: GPUBuffer,
  M: number,
  K: number,
  N: number,
): Promise<Float32Array> {
  const result = new Float32Array(M * N);
  const out = ctx.storage('out', Math.min(M, 16) * N * 4);
  for (let r0 = 0; r0 < M; r0 += 16) {
    const rows = Math.min(16, M - r0);
    const x = ctx.storage('x', rows * K * 4, a.subarray(r0 * K, (r0 + rows) * K));
    const gemv = await Gemv.create(ctx, layout, x, wBuf, out, rows);
    run(ctx, (pass) => gemv.encode(pass, rows));
    result.set(await readF32(ctx, out, rows * N), r0 * N);
  }
  return result;
}

describe.each(['lanes', 'splitk'] as const)('gemv batching, %s', (variant) => {
  it.each([1, 2, 3, 4, 5, 8, 9, 16])('B=%i rows give each row the bits it gets alone', async (B) => {
    const base = await gpu();
    const ctx = withTuning(base, { gemv: { ...base.tuning.gemv, variant, splitInvocations: 256 } });
    const K = 65;
    const N = 130;
    const x = randomArray(B * K, 99 + B);
    const w = randomArray(K * N, 5);
    const { layout, words } = packMatrix(w, K, N, 'f32');
    const wBuf = ctx.storage('w', words.byteLength, words);
    const xBuf = ctx.storage('x', x.byteLength, x);
    const out = ctx.storage('out', B * N * 4);
    const gemv = await Gemv.create(ctx, layout, xBuf, wBuf, out, 16);
    run(ctx, (pass) => gemv.encode(pass, B));
    const batched = await readF32(ctx, out, B * N);
    const want = matmul(x, w, B, K, N);
    expect(worst(batched, want, bound(K, matmulAbs(x, w, B, K, N)))).toBeUndefined();
    for (let b = 0; b < B; b++) {
      const xb = ctx.storage('xb', K * 4, x.subarray(b * K, (b + 1) * K));
      const ob = ctx.storage('ob', N * 4);
      const one = await Gemv.create(ctx, layout, xb, wBuf, ob, 1);
      run(ctx, (pass) => one.encode(pass, 1));
      const alone = await readF32(ctx, ob, N);
      expect(new Uint32Array(alone.buffer)).toEqual(new Uint32Array(batched.slice(b * N, (b + 1) * N).buffer));
    }
  });
});

// A prefill step's rows past gemm_direct's last whole group of 32 go to the lane GEMV's
// bucket for them, started at that row (GpuModel.matmul): the same bits as the GEMM's own,
// and nothing written before the row it starts at.
describe.each(['f32', 'f16'] as const)('gemm_direct with a lane GEMV tail, %s weights', (dtype) => {
  it.each([
    [33, 32],
    [40, 32],
    [48, 32],
    [65, 64],
    [66, 64],
    [80, 64],
  ])("M=%i: rows %i.. through the GEMV give the GEMM's bits, and it writes no row before them", async (M, first) => {
    const base = await gpu();
    const ctx = withTuning(base, {
      gemv: { ...base.tuning.gemv, variant: 'lanes' },
      gemm: { ...base.tuning.gemm, variant: 'direct', directRows: 32 },
    });
    const K = 67;
    const N = 45;
    const a = randomArray(M * K, M + 3);
    let w = randomArray(K * N, 17);
    if (dtype === 'f16') w = roundToF16InPlace(w);
    const { layout, words } = packMatrix(w, K, N, dtype);
    const aBuf = ctx.storage('a', a.byteLength, a);
    const wBuf = ctx.storage('w', words.byteLength, words);
    const whole = ctx.storage('whole', M * N * 4);
    const gemm = await Gemm.create(ctx, layout, aBuf, wBuf, whole);
    run(ctx, (pass) => gemm.encode(pass, M));
    const want = await readF32(ctx, whole, M * N);
    expect(worst(want, matmul(a, w, M, K, N), bound(K, matmulAbs(a, w, M, K, N)))).toBeUndefined();
    // The tail alone over a buffer of NaNs: its rows only, with the GEMM's bits.
    const poison = new Float32Array(M * N).fill(NaN);
    const split = ctx.storage('split', M * N * 4, poison);
    const gemv = await Gemv.create(ctx, layout, aBuf, wBuf, split, 16);
    expect(laneMatmulOnly(ctx.tuning)).toBe(true);
    run(ctx, (pass) => gemv.encode(pass, M, first));
    const tailOnly = await readF32(ctx, split, M * N);
    expect(tailOnly.subarray(0, first * N).every(Number.isNaN)).toBe(true);
    expect(new Uint32Array(tailOnly.slice(first * N).buffer)).toEqual(new Uint32Array(want.slice(first * N).buffer));
    // With the GEMM over the whole groups before it: the whole product.
    const head = await Gemm.create(ctx, layout, aBuf, wBuf, split);
    run(ctx, (pass) => head.encode(pass, first));
    expect(new Uint32Array((await readF32(ctx, split, M * N)).buffer)).toEqual(new Uint32Array(want.buffer));
  });

  it('refuses a tail that does not start at a multiple of its bucket, and the split-K GEMV refuses any', async () => {
    const base = await gpu();
    const ctx = withTuning(base, { gemv: { ...base.tuning.gemv, variant: 'lanes' } });
    const { layout, words } = packMatrix(randomArray(16 * 8, 1), 16, 8, dtype);
    const wBuf = ctx.storage('w', words.byteLength, words);
    const gemv = await Gemv.create(ctx, layout, ctx.storage('a', 40 * 16 * 4), wBuf, ctx.storage('o', 40 * 8 * 4), 16);
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    expect(() => gemv.encode(pass, 40, 30)).toThrow(/multiple of their bucket, 16/);
    expect(() => gemv.encode(pass, 40, 3)).toThrow(RangeError);
    expect(() => gemv.encode(pass, 32, 32)).toThrow(/none/);
    pass.end();
    const split = withTuning(base, {
      gemv: { ...base.tuning.gemv, variant: 'splitk', splitInvocations: 256 },
      gemm: { ...gpuTuning.gemm },
    });
    if (dtype === 'f32') {
      const splitGemv = await Gemv.create(split, layout, ctx.storage('a', 40 * 16 * 4), wBuf, ctx.storage('o', 40 * 8 * 4), 16);
      expect(laneMatmulOnly(split.tuning)).toBe(false);
      const e2 = ctx.device.createCommandEncoder();
      const p2 = e2.beginComputePass();
      expect(() => splitGemv.encode(p2, 40, 32)).toThrow(/starts at row 0/);
      p2.end();
    }
  });
});

describe.each(['f32', 'f16'] as const)('lane gemv column blocks, %s weights', (dtype) => {
  it.each([1, 3, 63, 64, 65, 129])('N=%i: two 8-column blocks per lane give every row bucket the bits of one block', async (N) => {
    const base = await gpu();
    const K = 67;
    const B = 16;
    const x = randomArray(B * K, 7 + N);
    let w = randomArray(K * N, 11 + N);
    if (dtype === 'f16') w = roundToF16InPlace(w);
    const { layout, words } = packMatrix(w, K, N, dtype);
    const wBuf = base.storage('w', words.byteLength, words);
    const xBuf = base.storage('x', x.byteLength, x);
    const want = matmul(x, w, B, K, N);
    const abs = matmulAbs(x, w, B, K, N);
    for (const rows of [1, 2, 3, 8, 9, 16]) {
      const results: Uint32Array[] = [];
      for (const blocks of [1, 2]) {
        const ctx = withTuning(base, { gemv: { ...base.tuning.gemv, variant: 'lanes', blocks: [blocks, blocks, blocks, blocks, blocks] } });
        const out = base.storage('out', rows * N * 4);
        const gemv = await Gemv.create(ctx, layout, xBuf, wBuf, out, rows);
        run(ctx, (pass) => gemv.encode(pass, rows));
        const got = await readF32(ctx, out, rows * N);
        expect(worst(got, want.subarray(0, rows * N), bound(K, abs)), `${rows} rows, ${blocks} blocks`).toBeUndefined();
        results.push(new Uint32Array(got.buffer));
      }
      expect(results[1], `${rows} rows`).toEqual(results[0]);
    }
  });
});

describe('gemm_direct tiles', () => {
  it.each([
    [1, 1, 1],
    [3, 65, 63],
    [33, 64, 65],
    [65, 63, 129],
    [64, 67, 200],
  ])('M=%i K=%i N=%i: every rows x blocks tile gives the bits of 16 rows x 1 block', async (M, K, N) => {
    const base = await gpu();
    const a = randomArray(M * K, M + 3 * K);
    const w = randomArray(K * N, K + 5 * N);
    const want = matmul(a, w, M, K, N);
    const abs = matmulAbs(a, w, M, K, N);
    const { layout, words } = packMatrix(w, K, N, 'f32');
    const aBuf = base.storage('a', a.byteLength, a);
    const wBuf = base.storage('w', words.byteLength, words);
    const results: Uint32Array[] = [];
    for (const [directRows, directBlocks] of [
      [16, 1],
      [32, 2],
      [32, 1],
      [8, 2],
      [1, 2],
    ] as const) {
      const ctx = withTuning(base, {
        gemv: { ...base.tuning.gemv, variant: 'lanes' },
        gemm: { ...base.tuning.gemm, variant: 'direct', directRows, directBlocks },
      });
      const out = base.storage('out', M * N * 4);
      const gemm = await Gemm.create(ctx, layout, aBuf, wBuf, out);
      run(ctx, (pass) => gemm.encode(pass, M));
      const got = await readF32(ctx, out, M * N);
      expect(worst(got, want, bound(K, abs)), `${directRows} x ${directBlocks}`).toBeUndefined();
      results.push(new Uint32Array(got.buffer));
    }
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
  });
});

describe('gemm_tiled tiles', () => {
  it('a tile that needs more workgroup memory than the device allows is refused with TuningError', async () => {
    const ctx = await gpu();
    const { layout, words } = packMatrix(randomArray(64 * 64, 5), 64, 64, 'f32');
    const w = ctx.storage('w', words.byteLength, words);
    const a = ctx.storage('a', 64 * 4);
    const out = ctx.storage('out', 64 * 4);
    const huge = withTuning(ctx, { gemm: { ...gpuTuning.gemm, workgroupX: 64, tileK: 1024 } }); // 2 MiB of weights tile
    await expect(Gemm.create(huge, layout, a, w, out)).rejects.toThrow(TuningError);
    await expect(Gemm.create(huge, layout, a, w, out)).rejects.toThrow(/workgroup memory; the device allows \d+/);
  });
});
