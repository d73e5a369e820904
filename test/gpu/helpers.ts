import { acquireGpu } from '../../src/gpu/device.js';
import type { GpuContext } from '../../src/gpu/context.js';
import { chooseKernels, overrideKernels, type KernelOverrides, type KernelSet } from '../../src/kernels/kernel-set.js';
import { gpuKernels } from '../adapters.js';
import { Gemv } from '../../src/kernels/gemv.js';
import type { MatrixLayout } from '../../src/kernels/packing.js';
import { mulberry32, fillUniform } from '../../src/numeric/prng.js';

let shared: Promise<GpuContext> | undefined;

/** One device per test file (each browser test file runs in its own page). */
export function gpu(): Promise<GpuContext> {
  shared ??= acquireGpu();
  return shared;
}

/** The kernels this adapter gets, with `overrides` applied (checked, as --kernels is): to test every variant on any adapter. */
export function kernelsFor(ctx: GpuContext, overrides: KernelOverrides = {}): KernelSet {
  return overrideKernels(chooseKernels(ctx.adapter), overrides);
}

export { gpuKernels };

/** A float array's bits, for comparisons that must hold bit for bit. */
export const bits = (x: Float32Array): Uint32Array => new Uint32Array(x.buffer, x.byteOffset, x.length);

/**
 * The kernels src/kernels/kernel-set.ts gives GPUs with many cores (split-K GEMV, gemm_tiled
 * with their tile shape in the same K chunks, workgroup RMSNorm and attention), forced on
 * whatever adapter runs the tests; a small split target makes even the tiny model's
 * matrices take several chunks.
 */
export function manyCoreKernels(ctx: GpuContext): KernelSet {
  return kernelsFor(ctx, {
    gemv: { variant: 'splitk', splitInvocations: 512 },
    gemm: { ...gpuKernels.gemm },
    rmsnorm: 'workgroup',
    attention: 'workgroup',
  });
}

export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  return fillUniform(new Float32Array(n), scale / Math.sqrt(3), mulberry32(seed));
}

export async function readF32(ctx: GpuContext, buf: GPUBuffer, n: number): Promise<Float32Array> {
  return new Float32Array(await ctx.read(buf, n * 4));
}

export async function readU32(ctx: GpuContext, buf: GPUBuffer, n: number): Promise<Uint32Array> {
  return new Uint32Array(await ctx.read(buf, n * 4));
}

/** Encodes `fn` into one compute pass and submits it. */
export function run(ctx: GpuContext, fn: (pass: GPUComputePassEncoder) => void): void {
  const enc = ctx.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  fn(pass);
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
}

/** Unit roundoff of f32. */
export const U32 = 2 ** -24;

/**
 * Largest violation of |got - want| <= bound(i); returns a description of the
 * worst element, or undefined when all are within bounds.
 */
export function worst(got: Float32Array, want: Float32Array, bound: (i: number) => number): string | undefined {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  let worstI = -1;
  let worstRatio = 1;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    const ratio = Number.isNaN(err) ? Infinity : err / bound(i);
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worstI = i;
    }
  }
  return worstI < 0
    ? undefined
    : `element ${worstI}: got ${got[worstI]}, want ${want[worstI]}, error ${worstRatio.toFixed(2)}x the bound ${bound(worstI)}`;
}

/**
 * Tolerance of a matmul: the classical bound on f32 dot products in any summation order,
 * |err| <= gamma_(K+2) * sum_k |a_k w_k| with gamma_n = n u / (1 - n u) (Higham, Accuracy
 * and Stability of Numerical Algorithms, 3.1), where the +2 covers the reference's own
 * final rounding and the result's. A proven bound, not a fitted one: a kernel outside it
 * has a real bug. `abs` is gemmAbs of the operands.
 */
export const dotBound = (K: number, abs: Float32Array) => (i: number) => (((K + 2) * U32) / (1 - (K + 2) * U32)) * abs[i]! + 1e-30;

/** A GEMV over M rows, one bucket-sized slice of rows at a time (up to 16 rows share a read of w). */
export async function gemvBySlices(
  ctx: GpuContext,
  kernels: KernelSet,
  layout: MatrixLayout,
  a: Float32Array,
  wBuf: GPUBuffer,
  M: number,
  K: number,
  N: number,
): Promise<{ out: Float32Array; pipelines: GPUComputePipeline[] }> {
  const result = new Float32Array(M * N);
  const pipelines: GPUComputePipeline[] = [];
  const out = ctx.storage('out', Math.min(M, 16) * N * 4);
  for (let r0 = 0; r0 < M; r0 += 16) {
    const rows = Math.min(16, M - r0);
    const x = ctx.storage('x', rows * K * 4, a.subarray(r0 * K, (r0 + rows) * K));
    const gemv = await Gemv.create(ctx, kernels, layout, x, wBuf, out, rows);
    pipelines.push(gemv.pipelineFor(rows));
    run(ctx, (pass) => gemv.encode(pass, rows));
    result.set(await readF32(ctx, out, rows * N), r0 * N);
  }
  return { out: result, pipelines };
}
