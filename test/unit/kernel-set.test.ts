import { describe, expect, it } from 'vitest';
import { KernelSetError } from '../../src/errors.js';
import { chooseKernels, overrideKernels, packsShiftedF16 } from '../../src/kernels/kernel-set.js';
import { kChunks } from '../../src/kernels/k-chunks.js';
import { adapterReport as adapter } from '../adapters.js';

const gpu = chooseKernels(adapter('nvidia', 'hopper'));
const swiftshader = chooseKernels(adapter('google', 'swiftshader'));

describe('shifted f16 packing', () => {
  it('goes with the lane kernels only: SwiftShader packs shifted, GPUs and SwiftShader forced onto the many-core kernels do not', () => {
    expect(swiftshader.f16Unpack).toBe('bits');
    expect(packsShiftedF16(swiftshader)).toBe(true);
    expect(packsShiftedF16(gpu)).toBe(false);
    expect(packsShiftedF16(overrideKernels(swiftshader, { gemv: { variant: 'splitk' }, gemm: { variant: 'tiled' } }))).toBe(false);
    expect(packsShiftedF16(overrideKernels(swiftshader, { f16Unpack: 'builtin' }))).toBe(false);
    expect(packsShiftedF16(overrideKernels(gpu, { f16Unpack: 'bits', gemv: { variant: 'lanes' }, gemm: { variant: 'direct' } }))).toBe(
      true,
    );
    expect(() => overrideKernels(swiftshader, { f16Unpack: 'shifts' } as never)).toThrow(/f16Unpack: must be 'bits' or 'builtin'/);
  });
});

describe('kernel set overrides', () => {
  it('make a new set, one level deep, and leave the rest and the base alone', () => {
    const t = overrideKernels(gpu, { gemv: { splitInvocations: 1024 }, rmsnorm: 'invocation' });
    expect(t.gemv).toEqual({ ...gpu.gemv, splitInvocations: 1024 });
    expect(t.rmsnorm).toBe('invocation');
    expect(t.gemm).toEqual(gpu.gemm);
    expect(gpu.gemv.splitInvocations).toBe(65536); // the base is not changed
  });

  it('are values: a set cannot be changed once made', () => {
    expect(Object.isFrozen(gpu) && Object.isFrozen(gpu.gemv) && Object.isFrozen(gpu.gemm) && Object.isFrozen(gpu.gemv.blocks)).toBe(true);
    const t = overrideKernels(swiftshader, { rmsnorm: 'workgroup' });
    expect(Object.isFrozen(t) && Object.isFrozen(t.gemv.blocks)).toBe(true);
    expect(() => {
      (t as { rmsnorm: string }).rmsnorm = 'invocation';
    }).toThrow(TypeError);
  });

  it('refuse unknown names and values of the wrong type', () => {
    expect(() => overrideKernels(gpu, { gemv: { splitInvocation: 1 } } as never)).toThrow(KernelSetError);
    expect(() => overrideKernels(gpu, { gemmm: {} } as never)).toThrow(/unknown; known: activations/);
    expect(() => overrideKernels(gpu, { gemv: { splitInvocations: '1024' } } as never)).toThrow(/expected a number/);
    expect(() => overrideKernels(gpu, { gemm: 'tiled' } as never)).toThrow(/expected an object/);
    // lane_matmul is written for one or two column blocks and power-of-two rows up to 32.
    expect(() => overrideKernels(swiftshader, { gemv: { blocks: [2, 1, 1, 3, 2] } })).toThrow(/gemv.blocks: must be 5 values of 1 or 2/);
    expect(() => overrideKernels(swiftshader, { gemv: { blocks: [2, 1] } })).toThrow(/gemv.blocks: must be 5 values/);
    expect(() => overrideKernels(swiftshader, { gemv: { blocks: 2 } } as never)).toThrow(/gemv.blocks: expected an array/);
    expect(overrideKernels(swiftshader, { gemv: { blocks: [1, 1, 1, 1, 1] } }).gemv.blocks).toEqual([1, 1, 1, 1, 1]);
    expect(() => overrideKernels(swiftshader, { gemm: { directBlocks: 4 } })).toThrow(/gemm.directBlocks: must be 1 or 2/);
    expect(() => overrideKernels(swiftshader, { gemm: { directRows: 24 } })).toThrow(/gemm.directRows: must be 1, 2, 4, 8, 16 or 32/);
    expect(overrideKernels(swiftshader, { gemm: { directRows: 16, directBlocks: 1 } }).gemm).toMatchObject({
      directRows: 16,
      directBlocks: 1,
    });
    // Decode and prefill rows must sum K the same way: the split-K GEMV needs the tiled GEMM.
    expect(() => overrideKernels(swiftshader, { gemv: { variant: 'splitk' } })).toThrow(/needs gemm.variant 'tiled'/);
    expect(overrideKernels(swiftshader, { gemv: { variant: 'splitk' }, gemm: { variant: 'tiled' } }).gemv.variant).toBe('splitk');
  });
});

describe('K chunks', () => {
  it('are one chain of all K for the lane GEMV (SwiftShader)', () => {
    expect(kChunks(2048, 2048, swiftshader)).toEqual({ kc: 2048, chunks: 1 });
    expect(kChunks(65, 3, swiftshader)).toEqual({ kc: 65, chunks: 1 });
  });

  it.each([
    [1, 1],
    [3, 3],
    [63, 65],
    [64, 64],
    [65, 63],
    [2048, 2048],
    [3584, 19200],
    [1000, 9],
  ])('K=%i N=%i with the split-K GEMV: whole tiles, covering K, none empty', (K, N) => {
    const { kc, chunks } = kChunks(K, N, gpu);
    expect(kc % gpu.gemm.tileK).toBe(0); // gemm_tiled ends chunks where tiles end
    expect(chunks * kc).toBeGreaterThanOrEqual(K);
    expect((chunks - 1) * kc).toBeLessThan(K);
    // Enough invocations (column quads x chunks) for the target, or one chunk per tile.
    const quads = Math.ceil(N / 8) * 2;
    expect(quads * chunks >= gpu.gemv.splitInvocations / 2 || chunks === Math.ceil(K / gpu.gemm.tileK)).toBe(true);
  });

  it('2048 x 2048: 128 chunks of 16 (64k invocations)', () => {
    expect(kChunks(2048, 2048, gpu)).toEqual({ kc: 16, chunks: 128 });
  });
});
