import { describe, expect, it } from 'vitest';
import { Gemm } from '../../src/kernels/gemm.js';
import { Gemv } from '../../src/kernels/gemv.js';
import { laneMatmulOnly } from '../../src/kernels/kernel-set.js';
import { packMatrix } from '../../src/kernels/packing.js';
import { roundToF16InPlace } from '../../src/numeric/f16.js';
import { gemmAbs } from '../../src/ref/gemm.js';
import { gemv as reference } from '../../src/ref/gemv.js';
import { bits, dotBound, gpu, gpuKernels, kernelsFor, randomArray, readF32, run, worst } from './helpers.js';

// Tolerance: dotBound (helpers.ts), the proven bound on an f32 dot product in any order;
// where rows share a step, or a row goes through another kernel, its bits must not change.
// The GEMV's agreement with both GEMMs is test/gpu/gemm.browser.test.ts's.

describe.each(['lanes', 'splitk'] as const)('gemv batching, %s', (variant) => {
  it.each([1, 2, 3, 4, 5, 8, 9, 16])('B=%i rows give each row the bits it gets alone', async (B) => {
    const ctx = await gpu();
    const kernels = kernelsFor(
      ctx,
      variant === 'lanes' ? { gemv: { variant } } : { gemv: { variant, splitInvocations: 256 }, gemm: { ...gpuKernels.gemm } },
    );
    const K = 65;
    const N = 130;
    const x = randomArray(B * K, 99 + B);
    const w = randomArray(K * N, 5);
    const { layout, words } = packMatrix(w, K, N, 'f32');
    const wBuf = ctx.storage('w', words.byteLength, words);
    const xBuf = ctx.storage('x', x.byteLength, x);
    const out = ctx.storage('out', B * N * 4);
    const gemv = await Gemv.create(ctx, kernels, layout, xBuf, wBuf, out, 16);
    run(ctx, (pass) => gemv.encode(pass, B));
    const batched = await readF32(ctx, out, B * N);
    expect(worst(batched, reference(x, w, B, K, N), dotBound(K, gemmAbs(x, w, B, K, N)))).toBeUndefined();
    for (let b = 0; b < B; b++) {
      const xb = ctx.storage('xb', K * 4, x.subarray(b * K, (b + 1) * K));
      const ob = ctx.storage('ob', N * 4);
      const one = await Gemv.create(ctx, kernels, layout, xb, wBuf, ob, 1);
      run(ctx, (pass) => one.encode(pass, 1));
      expect(bits(await readF32(ctx, ob, N))).toEqual(bits(batched.slice(b * N, (b + 1) * N)));
    }
  });
});

// A prefill step's rows past gemm_direct's last whole group of 32 go to the lane GEMV's
// bucket for them, started at that row (step-ops.ts, gemmRowsOf): the same bits as the
// GEMM's own, and nothing written before the row it starts at.
describe.each(['f32', 'f16'] as const)("lane gemv after gemm_direct's whole row groups, %s weights", (dtype) => {
  it.each([
    [33, 32],
    [40, 32],
    [48, 32],
    [65, 64],
    [66, 64],
    [80, 64],
  ])("M=%i: rows %i.. through the GEMV give the GEMM's bits, and it writes no row before them", async (M, first) => {
    const ctx = await gpu();
    const kernels = kernelsFor(ctx, { gemv: { variant: 'lanes' }, gemm: { variant: 'direct', directRows: 32 } });
    expect(laneMatmulOnly(kernels)).toBe(true);
    const K = 67;
    const N = 45;
    const a = randomArray(M * K, M + 3);
    let w = randomArray(K * N, 17);
    if (dtype === 'f16') w = roundToF16InPlace(w);
    const { layout, words } = packMatrix(w, K, N, dtype);
    const aBuf = ctx.storage('a', a.byteLength, a);
    const wBuf = ctx.storage('w', words.byteLength, words);
    const whole = ctx.storage('whole', M * N * 4);
    const gemm = await Gemm.create(ctx, kernels, layout, aBuf, wBuf, whole);
    run(ctx, (pass) => gemm.encode(pass, M));
    const want = await readF32(ctx, whole, M * N);
    expect(worst(want, reference(a, w, M, K, N), dotBound(K, gemmAbs(a, w, M, K, N)))).toBeUndefined();
    // The tail alone over a buffer of NaNs: its rows only, with the GEMM's bits.
    const split = ctx.storage('split', M * N * 4, new Float32Array(M * N).fill(NaN));
    const gemv = await Gemv.create(ctx, kernels, layout, aBuf, wBuf, split, 16);
    run(ctx, (pass) => gemv.encode(pass, M, first));
    const tailOnly = await readF32(ctx, split, M * N);
    expect(tailOnly.subarray(0, first * N).every(Number.isNaN)).toBe(true);
    expect(bits(tailOnly.slice(first * N))).toEqual(bits(want.slice(first * N)));
    // With the GEMM over the whole groups before it: the whole product.
    const head = await Gemm.create(ctx, kernels, layout, aBuf, wBuf, split);
    run(ctx, (pass) => head.encode(pass, first));
    expect(bits(await readF32(ctx, split, M * N))).toEqual(bits(want));
  });

  it('refuses a tail that does not start at a multiple of its bucket, and the split-K GEMV refuses any', async () => {
    const ctx = await gpu();
    const lanes = kernelsFor(ctx, { gemv: { variant: 'lanes' } });
    const { layout, words } = packMatrix(randomArray(16 * 8, 1), 16, 8, dtype);
    const wBuf = ctx.storage('w', words.byteLength, words);
    const gemv = await Gemv.create(ctx, lanes, layout, ctx.storage('a', 40 * 16 * 4), wBuf, ctx.storage('o', 40 * 8 * 4), 16);
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    expect(() => gemv.encode(pass, 40, 30)).toThrow(/multiple of their bucket, 16/);
    expect(() => gemv.encode(pass, 40, 3)).toThrow(RangeError);
    expect(() => gemv.encode(pass, 32, 32)).toThrow(/none/);
    pass.end();
    if (dtype === 'f32') {
      const split = kernelsFor(ctx, { gemv: { variant: 'splitk', splitInvocations: 256 }, gemm: { ...gpuKernels.gemm } });
      const splitGemv = await Gemv.create(ctx, split, layout, ctx.storage('a', 40 * 16 * 4), wBuf, ctx.storage('o', 40 * 8 * 4), 16);
      expect(laneMatmulOnly(split)).toBe(false);
      const p2 = ctx.device.createCommandEncoder().beginComputePass();
      expect(() => splitGemv.encode(p2, 40, 32)).toThrow(/starts at row 0/);
      p2.end();
    }
  });
});

describe.each(['f32', 'f16'] as const)('lane gemv column blocks, %s weights', (dtype) => {
  it.each([1, 3, 63, 64, 65, 129])('N=%i: two 8-column blocks per lane give every row bucket the bits of one block', async (N) => {
    const ctx = await gpu();
    const K = 67;
    const B = 16;
    const x = randomArray(B * K, 7 + N);
    let w = randomArray(K * N, 11 + N);
    if (dtype === 'f16') w = roundToF16InPlace(w);
    const { layout, words } = packMatrix(w, K, N, dtype);
    const wBuf = ctx.storage('w', words.byteLength, words);
    const xBuf = ctx.storage('x', x.byteLength, x);
    const want = reference(x, w, B, K, N);
    const bound = dotBound(K, gemmAbs(x, w, B, K, N));
    for (const rows of [1, 2, 3, 8, 9, 16]) {
      const results: Uint32Array[] = [];
      const pipelines: GPUComputePipeline[] = [];
      for (const blocks of [1, 2]) {
        const kernels = kernelsFor(ctx, { gemv: { variant: 'lanes', blocks: [blocks, blocks, blocks, blocks, blocks] } });
        const out = ctx.storage('out', rows * N * 4);
        const gemv = await Gemv.create(ctx, kernels, layout, xBuf, wBuf, out, rows);
        pipelines.push(gemv.pipelineFor(rows));
        run(ctx, (pass) => gemv.encode(pass, rows));
        const got = await readF32(ctx, out, rows * N);
        expect(worst(got, want.subarray(0, rows * N), bound), `${rows} rows, ${blocks} blocks`).toBeUndefined();
        results.push(bits(got));
      }
      expect(pipelines[1], `${rows} rows: each block count its own pipeline`).not.toBe(pipelines[0]);
      expect(results[1], `${rows} rows`).toEqual(results[0]);
    }
  });
});
