import { acquireGpu } from '../../src/gpu/device.js';
import type { GpuContext } from '../../src/gpu/context.js';
import type { Tuning } from '../../src/gpu/tuning.js';
import { gpuTuning } from '../adapters.js';
import { mulberry32, fillUniform } from '../../src/numeric/prng.js';

let shared: Promise<GpuContext> | undefined;

/** One device per test file (each browser test file runs in its own page). */
export function gpu(): Promise<GpuContext> {
  shared ??= acquireGpu();
  return shared;
}

/** The same context with other kernel tuning, to test every variant on any adapter. */
export function withTuning(ctx: GpuContext, tuning: Partial<Tuning>): GpuContext {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(ctx)), ctx) as GpuContext;
  (copy as { tuning: Tuning }).tuning = { ...ctx.tuning, ...tuning };
  return copy;
}

export { gpuTuning };

/**
 * The kernels src/gpu/tuning.ts gives GPUs with many cores (split-K GEMV, gemm_tiled with
 * their tile shape in the same K chunks, workgroup RMSNorm and attention), forced on
 * whatever adapter runs the tests; a small split target makes even the tiny model's
 * matrices take several chunks.
 */
export function manyCoreKernels(ctx: GpuContext): GpuContext {
  return withTuning(ctx, {
    gemv: { ...ctx.tuning.gemv, variant: 'splitk', splitInvocations: 512 },
    gemm: { ...gpuTuning.gemm },
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
