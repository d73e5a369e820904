import type { KernelSet } from '../kernels/kernel-set.js';
import type { ModelConfig } from '../model/config.js';
import { opDispatches, type SeqShape, shapeOf, stepOps } from '../model/step-ops.js';
import { bytesPerWeight, type WeightDtype } from '../numeric/dtype.js';

export type { SeqShape };

/** What the device can do, as measured by src/perf/ceilings.ts (WebGPU reports none of it). */
export interface DeviceRates {
  readGBps: number;
  fmaGflops: number;
  dispatchOverheadUs: number;
  /**
   * f16 weight bytes per second when each must also be unpacked (the best of the
   * ceilings' f16 readers). Where unpacking is slower than memory (SwiftShader) this is
   * the roof f16 weights sit under; absent or unmeasured, f16 weights are read at readGBps.
   */
  f16ReadGBps?: number;
  /**
   * The read ceiling's rate at each size measured (src/perf/ceilings.ts, readCurve), and
   * the f16 read-and-unpack rate (f16ReadCurve). A dispatch that reads a few MiB does not
   * reach the streaming rate of a large one (docs/results.md, "Read rate by size"), so a
   * kernel's weights are charged at the rate measured near its own size. Absent (an older
   * ceilings file): readGBps and f16ReadGBps alone.
   */
  readCurve?: readonly ReadPoint[];
  f16ReadCurve?: readonly ReadPoint[];
}

/** One size on a read-rate curve: what one dispatch reading `bytes` achieved. */
export interface ReadPoint {
  bytes: number;
  GBps: number;
}

/**
 * A curve's rate for a dispatch of `bytes`: interpolated in log(size) between the sizes
 * measured, the nearest end's rate outside them, and never above `roof` (the rate at the
 * largest size): a small buffer read over and over can sit in a GPU's cache, which one
 * matrix of a model larger than that cache, read once per step, does not.
 */
export function curveGBps(curve: readonly ReadPoint[] | undefined, bytes: number, roof: number): number {
  const points = (curve ?? []).filter((p) => p.bytes > 0 && Number.isFinite(p.GBps) && p.GBps > 0).sort((a, b) => a.bytes - b.bytes);
  if (!points.length || !(bytes > 0)) return roof;
  let rate = points[points.length - 1]!.GBps;
  if (bytes <= points[0]!.bytes) rate = points[0]!.GBps;
  else
    for (let i = 1; i < points.length; i++) {
      const [lo, hi] = [points[i - 1]!, points[i]!];
      if (bytes > hi.bytes) continue;
      const f = Math.log(bytes / lo.bytes) / Math.log(hi.bytes / lo.bytes);
      rate = lo.GBps + f * (hi.GBps - lo.GBps);
      break;
    }
  return Math.min(rate, roof);
}

/**
 * The rates with read curves measured elsewhere put in place: `read` (the f32 read
 * ceiling kernel) and `f16` (the f16 read-and-unpack one), each `{bytes, GBps}` at the
 * sizes read. A curve given replaces the rates' curve and its roof (readGBps or
 * f16ReadGBps: the rate at its largest size); one not given leaves the rates as they are.
 * The decode sweep reads each model's own matrices this way in turn with its steps, so a
 * row's modelled figure and its measured one come from the same minutes (on a shared
 * machine the ceilings suite, minutes earlier, can be a fifth off by then).
 */
export function withReadCurves(rates: DeviceRates, read?: readonly ReadPoint[], f16?: readonly ReadPoint[]): DeviceRates {
  const largest = (c: readonly ReadPoint[]) => c.reduce((a, p) => (p.bytes > a.bytes ? p : a)).GBps;
  return {
    ...rates,
    ...(read?.length ? { readCurve: read, readGBps: largest(read) } : {}),
    ...(f16?.length ? { f16ReadCurve: f16, f16ReadGBps: largest(f16) } : {}),
  };
}

/**
 * The rate weights of this dtype are read at: f16 ones at the slower of memory and
 * unpacking. With `bytes` (one dispatch's weights) and the rates' curves, the rate
 * measured near that size (curveGBps).
 */
export function weightReadGBps(
  rates: Pick<DeviceRates, 'readGBps' | 'f16ReadGBps' | 'readCurve' | 'f16ReadCurve'>,
  dtype: WeightDtype,
  bytes?: number,
): number {
  const read = bytes === undefined ? rates.readGBps : curveGBps(rates.readCurve, bytes, rates.readGBps);
  const f16 = rates.f16ReadGBps;
  if (dtype !== 'f16' || f16 === undefined || !Number.isFinite(f16)) return read;
  return Math.min(read, bytes === undefined ? f16 : curveGBps(rates.f16ReadCurve, bytes, f16));
}

export interface KernelCost {
  kernel: string;
  dispatches: number;
  bytes: number;
  flops: number;
  /** max(flops / peak, bytes / bandwidth), in ms. */
  ms: number;
  bound: 'memory' | 'compute';
}

export interface StepCost {
  kernels: KernelCost[];
  dispatches: number;
  bytes: number;
  flops: number;
  /** dispatches x overhead + sum of the kernels' ms. */
  ms: number;
}

/** KV bytes per cached token: 2 (K and V) x L x Hkv x Dh x 4 (f32 cache). */
export function kvBytesPerToken(c: ModelConfig): number {
  return 2 * c.layers * c.kvHeads * c.headDim * 4;
}

/** Bytes of matrix weights a step reads: every matrix of the step list (each layer's and the head) once. */
export function weightBytesOf(c: ModelConfig, dtype: WeightDtype): number {
  return stepOps(c).reduce((a, op) => a + (op.matrix ? op.matrix.K * op.matrix.N : 0), 0) * bytesPerWeight(dtype);
}

/**
 * The modelled cost of one engine step, kernel by kernel, priced op by op over the step
 * list the GPU model runs (src/model/step-ops.ts): each op's bytes and FLOPs for these
 * sequences, at max(FLOPs / peak, bytes / bandwidth), where weight bytes go at the rate
 * weightReadGBps gives (f16 ones at the lower of memory and unpacking), plus the dispatch
 * overhead of every dispatch the kernel set makes. Ops of the same name (every layer's)
 * are summed into one row, in the order they first run.
 */
export function stepCost(c: ModelConfig, dtype: WeightDtype, kernels: KernelSet, seqs: readonly SeqShape[], rates: DeviceRates): StepCost {
  const shape = shapeOf(seqs);
  const byName = new Map<string, KernelCost & { memMs: number; fpMs: number }>();
  for (const op of stepOps(c)) {
    const w = op.work(seqs, dtype);
    const weightMs = w.weightBytes && w.weightBytes / (weightReadGBps(rates, dtype, w.weightBytes) * 1e6);
    const memMs = (w.bytes - w.weightBytes) / (rates.readGBps * 1e6) + weightMs;
    const fpMs = w.flops / (rates.fmaGflops * 1e6);
    const row = byName.get(op.name) ?? { kernel: op.name, dispatches: 0, bytes: 0, flops: 0, ms: 0, bound: 'memory', memMs: 0, fpMs: 0 };
    row.dispatches += opDispatches(op, kernels, shape);
    row.bytes += w.bytes;
    row.flops += w.flops;
    row.ms += Math.max(memMs, fpMs);
    row.memMs += memMs;
    row.fpMs += fpMs;
    byName.set(op.name, row);
  }
  const kernelCosts: KernelCost[] = [...byName.values()].map(({ memMs, fpMs, ...k }) => ({
    ...k,
    bound: fpMs > memMs ? 'compute' : 'memory',
  }));
  const dispatches = kernelCosts.reduce((a, k) => a + k.dispatches, 0);
  return {
    kernels: kernelCosts,
    dispatches,
    bytes: kernelCosts.reduce((a, k) => a + k.bytes, 0),
    flops: kernelCosts.reduce((a, k) => a + k.flops, 0),
    ms: (dispatches * rates.dispatchOverheadUs) / 1000 + kernelCosts.reduce((a, k) => a + k.ms, 0),
  };
}

/** Modelled decode tokens/s of B sequences at context `context` (B tokens per step). */
export function modelledDecodeTokensPerSec(
  c: ModelConfig,
  dtype: WeightDtype,
  kernels: KernelSet,
  B: number,
  context: number,
  rates: DeviceRates,
): number {
  const step = stepCost(
    c,
    dtype,
    kernels,
    Array.from({ length: B }, () => ({ newTokens: 1, context })),
    rates,
  );
  return (B * 1000) / step.ms;
}

/** Modelled prefill tokens/s of one prompt of T tokens in one step. */
export function modelledPrefillTokensPerSec(c: ModelConfig, dtype: WeightDtype, kernels: KernelSet, T: number, rates: DeviceRates): number {
  return (T * 1000) / stepCost(c, dtype, kernels, [{ newTokens: T, context: 0 }], rates).ms;
}

/**
 * Weight bytes at which reading the weights starts to cost more than the
 * step's fixed dispatch overhead: below it, decode sits on the overhead floor.
 */
export function overheadFloorBytes(dispatches: number, rates: DeviceRates): number {
  return dispatches * rates.dispatchOverheadUs * 1e-6 * rates.readGBps * 1e9;
}

/** At batch 1 with weights dominating: tokens/s ~ bandwidth / weight bytes (the seed's 560 GB/s = 14 GB x 40). */
export function bandwidthForTokensPerSec(weightBytes: number, tokensPerSec: number): number {
  return weightBytes * tokensPerSec;
}
