import { type ModelConfig, qkvWidth } from '../model/config.js';
import { bytesPerWeight, type WeightDtype } from '../numeric/dtype.js';
import { GEMV_MAX_ROWS } from '../kernels/gemv-rows.js';

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
   * Dispatches per GEMV (decode rows, the LM head) under the adapter's kernels
   * (gemvDispatches in src/kernels/gemv-rows.ts); 1 when absent.
   */
  gemvDispatches?: number;
  /**
   * The read ceiling's rate at each size measured (src/perf/ceilings.ts, readCurve), and
   * the f16 read-and-unpack rate (f16ReadCurve). A dispatch that reads a few MiB does not
   * reach the streaming rate of a large one (on SwiftShader here: 1.1-1.4 GB/s at 1-8 MiB
   * against 1.5 at 64-256 MiB), so a kernel's weights are charged at the rate measured
   * near its own size. Absent (an older ceilings file): readGBps and f16ReadGBps alone.
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

/** One sequence's share of a step: n new tokens on top of c cached ones. */
export interface SeqShape {
  newTokens: number;
  context: number;
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

/** Bytes of matrix weights a step reads (every layer's matrices and the head). */
export function weightBytesOf(c: ModelConfig, dtype: WeightDtype): number {
  const perLayer = c.dModel * qkvWidth(c) + c.heads * c.headDim * c.dModel + c.dModel * 2 * c.ffnDim + c.ffnDim * c.dModel;
  return (c.layers * perLayer + c.dModel * c.vocab) * bytesPerWeight(dtype);
}

/**
 * The modelled cost of one engine step, kernel by kernel, in the order
 * GpuModel.encodeForward dispatches them (shared/design.md section 4):
 * matrix FLOPs 2 x params x rows, attention FLOPs 4 x H x Dh x sum(n_i x c_i),
 * bytes = weights + KV read + activations, time = dispatches x overhead +
 * sum over kernels of max(FLOPs / peak, bytes / bandwidth), where f16 weight bytes
 * go at min(bandwidth, f16ReadGBps): a third roof for adapters that unpack f16 slower
 * than they read it.
 */
export function stepCost(c: ModelConfig, dtype: WeightDtype, seqs: readonly SeqShape[], rates: DeviceRates): StepCost {
  const T = seqs.reduce((a, s) => a + s.newTokens, 0);
  const logitRows = seqs.length;
  const bw = bytesPerWeight(dtype);
  const { dModel: D, heads: H, headDim: Dh, ffnDim: F, vocab: V, layers: L } = c;
  const kernels: KernelCost[] = [];
  const add = (kernel: string, bytes: number, flops: number, times = 1, weightBytes = 0, dispatchesEach = 1) => {
    const memMs =
      (bytes - weightBytes) / (rates.readGBps * 1e6) + (weightBytes && weightBytes / (weightReadGBps(rates, dtype, weightBytes) * 1e6));
    const fpMs = flops / (rates.fmaGflops * 1e6);
    kernels.push({
      kernel,
      dispatches: times * dispatchesEach,
      bytes: bytes * times,
      flops: flops * times,
      ms: Math.max(memMs, fpMs) * times,
      bound: fpMs > memMs ? 'compute' : 'memory',
    });
  };
  // The engine's GEMV takes decode steps of up to 16 rows (GpuModel.matmul) and the LM head;
  // with the lane GEMV (SwiftShader) prompt steps of up to 16 rows too, and the rows past
  // gemm_direct's whole 32-row groups (one more dispatch per matrix: microseconds, not modelled).
  const gemv = rates.gemvDispatches ?? 1;
  const decodeStep = T <= GEMV_MAX_ROWS && seqs.every((s) => s.newTokens === 1);
  const matmul = (name: string, rows: number, K: number, N: number, times: number, isGemv = decodeStep) =>
    add(name, K * N * bw + rows * (K + N) * 4, 2 * rows * K * N, times, K * N * bw, isGemv ? gemv : 1);
  const Nqkv = qkvWidth(c);
  const kvw = c.kvHeads * Dh;
  // Attention: each sequence's cached keys and values are read once per layer; every
  // new row attends to its own context (c + its offset among the new rows + 1).
  const attnRows = seqs.reduce((a, s) => a + s.newTokens * s.context + (s.newTokens * (s.newTokens + 1)) / 2, 0);
  const kvRead = seqs.reduce((a, s) => a + (s.context + s.newTokens) * kvw * 2 * 4, 0);
  add('embedding', T * D * (bw + 4), 0);
  add('rmsnorm', T * D * 8, 2 * T * D, 2 * L);
  matmul('qkv', T, D, Nqkv, L);
  add('rope', T * (H + c.kvHeads) * Dh * 8, 3 * T * (H + c.kvHeads) * Dh, L);
  add('kv_write', T * kvw * 2 * 8, 0, L);
  add('attention', kvRead + T * (Nqkv + H * Dh) * 4, 4 * H * Dh * attnRows, L);
  matmul('o_proj', T, H * Dh, D, L);
  add('residual', T * D * 12, T * D, 2 * L);
  matmul('gate_up', T, D, 2 * F, L);
  add('swiglu', T * 3 * F * 4, 4 * T * F, L);
  matmul('down', T, F, D, L);
  add('final_norm', logitRows * D * 8, 2 * logitRows * D);
  matmul('lm_head', logitRows, D, V, 1, logitRows <= GEMV_MAX_ROWS);
  add('argmax', logitRows * V * 4, logitRows * V);
  const dispatches = kernels.reduce((a, k) => a + k.dispatches, 0);
  const kernelMs = kernels.reduce((a, k) => a + k.ms, 0);
  return {
    kernels,
    dispatches,
    bytes: kernels.reduce((a, k) => a + k.bytes, 0),
    flops: kernels.reduce((a, k) => a + k.flops, 0),
    ms: (dispatches * rates.dispatchOverheadUs) / 1000 + kernelMs,
  };
}

/** Modelled decode tokens/s of B sequences at context `context` (B tokens per step). */
export function modelledDecodeTokensPerSec(c: ModelConfig, dtype: WeightDtype, B: number, context: number, rates: DeviceRates): number {
  const step = stepCost(
    c,
    dtype,
    Array.from({ length: B }, () => ({ newTokens: 1, context })),
    rates,
  );
  return (B * 1000) / step.ms;
}

/** Modelled prefill tokens/s of one prompt of T tokens in one step. */
export function modelledPrefillTokensPerSec(c: ModelConfig, dtype: WeightDtype, T: number, rates: DeviceRates): number {
  return (T * 1000) / stepCost(c, dtype, [{ newTokens: T, context: 0 }], rates).ms;
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
