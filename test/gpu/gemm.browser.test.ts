import { describe, expect, it } from 'vitest';
import { KernelSetError } from '../../src/errors.js';
import { Gemm } from '../../src/kernels/gemm.js';
import { Gemv } from '../../src/kernels/gemv.js';
import { overrideKernels, type KernelSet } from '../../src/kernels/kernel-set.js';
import { packMatrix } from '../../src/kernels/packing.js';
import { roundToF16InPlace } from '../../src/numeric/f16.js';
import { gemm as reference, gemmAbs } from '../../src/ref/gemm.js';
import { bits, dotBound, gemvBySlices, gpu, gpuKernels, kernelsFor, randomArray, readF32, run, worst } from './helpers.js';

// Tolerance: dotBound (helpers.ts), the proven bound on an f32 dot product in any order.
// GEMM and GEMV must also agree with each other bit for bit: batch invariance rests on it.

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

describe.each(['f32', 'f16'] as const)('gemm, %s weights', (dtype) => {
  it.each(SHAPES)(
    'M=%i K=%i N=%i: gemm_direct and the GEMV with each activation exchange, and gemm_tiled, ' +
      'each its own pipeline, match the reference and each other bit for bit; so do the split-K ' +
      'GEMV and gemm_tiled in its K chunks',
    async (M, K, N) => {
      const ctx = await gpu();
      const own = kernelsFor(ctx);
      const a = randomArray(M * K, M * 7 + K);
      let w = randomArray(K * N, K * 13 + N);
      if (dtype === 'f16') {
        // Below 0.9 with one weight of 0.75 where the matrix has room: every matrix of one
        // element or more than two then packs with the same shift (2^16, 2^29 for a lone
        // subnormal), so the shifted kernels compile once, not once per shape.
        w = roundToF16InPlace(w.map((v) => v * 0.9));
        if (w.length > 2) w[w.length >> 1] = 0.75;
        // Subnormal f16 weights, which the shifted unpacking must get right too.
        w[0] = 3 * 2 ** -24;
        w[w.length - 1] = -(2 ** -20);
      }
      const want = reference(a, w, M, K, N);
      const bound = dotBound(K, gemmAbs(a, w, M, K, N));
      const { layout, words } = packMatrix(w, K, N, dtype);
      const aBuf = ctx.storage('a', a.byteLength, a);
      const wBuf = ctx.storage('w', words.byteLength, words);
      // Every activation exchange this adapter supports (subgroups: SwiftShader has them).
      const modes = own.activations === 'subgroup' ? (['per-lane', 'subgroup'] as const) : (['per-lane'] as const);
      const results: Float32Array[] = [];
      const pipelines: GPUComputePipeline[] = [];
      const gemmOnce = async (kernels: KernelSet, what: string) => {
        const out = ctx.storage('out', M * N * 4);
        const gemm = await Gemm.create(ctx, kernels, layout, aBuf, wBuf, out);
        pipelines.push(gemm.pipeline);
        run(ctx, (pass) => gemm.encode(pass, M));
        const got = await readF32(ctx, out, M * N);
        expect(worst(got, want, bound), what).toBeUndefined();
        results.push(got);
      };
      for (const activations of modes) {
        await gemmOnce(kernelsFor(ctx, { activations, gemm: { variant: 'direct' } }), `gemm_direct, ${activations}`);
        const gemv = await gemvBySlices(ctx, kernelsFor(ctx, { activations }), layout, a, wBuf, M, K, N);
        expect(worst(gemv.out, want, bound), `gemv, ${activations}`).toBeUndefined();
        results.push(gemv.out);
        pipelines.push(gemv.pipelines[0]!);
      }
      // gemm_tiled reads its activations from workgroup memory, whatever the exchange: one source.
      await gemmOnce(kernelsFor(ctx, { gemm: { variant: 'tiled' } }), 'gemm_tiled');
      // Each variant ran its own compiled source: a comparison of a pipeline with itself proves nothing.
      expect(new Set(pipelines).size, 'distinct pipelines').toBe(pipelines.length);
      // Batch invariance rests on this: one fma chain per output in every kernel.
      for (const r of results.slice(1)) expect(bits(r)).toEqual(bits(results[0]!));

      if (dtype === 'f16') {
        // f16 packed shifted (f16Unpack 'bits'), read by the lane kernels with shifts and a
        // mask and the activations scaled: the same bits as unpack2x16float's.
        const shifted = packMatrix(w, K, N, dtype, true);
        expect(shifted.layout.f16Shift).toBeGreaterThanOrEqual(10); // weights below 64
        const sBuf = ctx.storage('w.shifted', shifted.words.byteLength, shifted.words);
        for (const activations of modes) {
          const lanes = kernelsFor(ctx, { activations, gemv: { variant: 'lanes' }, gemm: { variant: 'direct' } });
          const out = ctx.storage('out', M * N * 4);
          const gemm = await Gemm.create(ctx, lanes, shifted.layout, aBuf, sBuf, out);
          run(ctx, (pass) => gemm.encode(pass, M));
          expect(bits(await readF32(ctx, out, M * N)), `gemm_direct shifted, ${activations}`).toEqual(bits(results[0]!));
          const gemv = await gemvBySlices(ctx, lanes, shifted.layout, a, sBuf, M, K, N);
          expect(bits(gemv.out), `gemv shifted, ${activations}`).toEqual(bits(results[0]!));
        }
        // Kernels that only unpack plain f16 refuse a shifted matrix rather than misread it.
        const many = kernelsFor(ctx, { gemv: { variant: 'splitk', splitInvocations: 256 }, gemm: { ...gpuKernels.gemm } });
        await expect(Gemm.create(ctx, many, shifted.layout, aBuf, sBuf, ctx.storage('out', M * N * 4))).rejects.toThrow(KernelSetError);
        await expect(Gemv.create(ctx, many, shifted.layout, aBuf, sBuf, ctx.storage('out', N * 4), 1)).rejects.toThrow(KernelSetError);
      }

      // The split-K family (real GPUs): the GEMV sums K in chunks and gemm_tiled sums the
      // same chunks in the same order, in a GPU's tile (several row groups per workgroup)
      // and in one row group. A small thread target gives these shapes several chunks.
      const split = kernelsFor(ctx, { gemv: { variant: 'splitk', splitInvocations: 256 }, gemm: { ...gpuKernels.gemm } });
      const tiledOut = ctx.storage('out', M * N * 4);
      const tiled = await Gemm.create(ctx, split, layout, aBuf, wBuf, tiledOut);
      run(ctx, (pass) => tiled.encode(pass, M));
      const chunkedGemm = await readF32(ctx, tiledOut, M * N);
      expect(worst(chunkedGemm, want, bound), 'gemm_tiled in K chunks').toBeUndefined();
      const narrow = await Gemm.create(ctx, overrideKernels(split, { gemm: { workgroupY: 1 } }), layout, aBuf, wBuf, tiledOut);
      run(ctx, (pass) => narrow.encode(pass, M));
      expect(bits(await readF32(ctx, tiledOut, M * N)), 'gemm_tiled, one row group').toEqual(bits(chunkedGemm));
      const splitGemv = await gemvBySlices(ctx, split, layout, a, wBuf, M, K, N);
      expect(worst(splitGemv.out, want, bound), 'split-K gemv').toBeUndefined();
      expect(bits(splitGemv.out)).toEqual(bits(chunkedGemm));
    },
  );
});

describe('gemm_direct tiles', () => {
  it.each([
    [1, 1, 1],
    [3, 65, 63],
    [33, 64, 65],
    [65, 63, 129],
    [64, 67, 200],
  ])('M=%i K=%i N=%i: every rows x blocks tile gives the bits of 16 rows x 1 block', async (M, K, N) => {
    const ctx = await gpu();
    const a = randomArray(M * K, M + 3 * K);
    const w = randomArray(K * N, K + 5 * N);
    const want = reference(a, w, M, K, N);
    const bound = dotBound(K, gemmAbs(a, w, M, K, N));
    const { layout, words } = packMatrix(w, K, N, 'f32');
    const aBuf = ctx.storage('a', a.byteLength, a);
    const wBuf = ctx.storage('w', words.byteLength, words);
    const results: Uint32Array[] = [];
    const pipelines: GPUComputePipeline[] = [];
    for (const [directRows, directBlocks] of [
      [16, 1],
      [32, 2],
      [32, 1],
      [8, 2],
      [1, 2],
    ] as const) {
      const kernels = kernelsFor(ctx, { gemv: { variant: 'lanes' }, gemm: { variant: 'direct', directRows, directBlocks } });
      const out = ctx.storage('out', M * N * 4);
      const gemm = await Gemm.create(ctx, kernels, layout, aBuf, wBuf, out);
      pipelines.push(gemm.pipeline);
      run(ctx, (pass) => gemm.encode(pass, M));
      const got = await readF32(ctx, out, M * N);
      expect(worst(got, want, bound), `${directRows} x ${directBlocks}`).toBeUndefined();
      results.push(bits(got));
    }
    expect(new Set(pipelines).size).toBe(pipelines.length);
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
  });
});

describe('gemm_tiled tiles', () => {
  it('a tile that needs more workgroup memory than the device allows is refused with KernelSetError', async () => {
    const ctx = await gpu();
    const { layout, words } = packMatrix(randomArray(64 * 64, 5), 64, 64, 'f32');
    const w = ctx.storage('w', words.byteLength, words);
    const a = ctx.storage('a', 64 * 4);
    const out = ctx.storage('out', 64 * 4);
    const huge = kernelsFor(ctx, { gemm: { ...gpuKernels.gemm, workgroupX: 64, tileK: 1024 } }); // 2 MiB of weights tile
    await expect(Gemm.create(ctx, huge, layout, a, w, out)).rejects.toThrow(KernelSetError);
    await expect(Gemm.create(ctx, huge, layout, a, w, out)).rejects.toThrow(/workgroup memory; the device allows \d+/);
  });
});
