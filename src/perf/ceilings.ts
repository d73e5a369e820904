import type { GpuContext } from '../gpu/context.js';
import { PassClock } from './pass-clock.js';
import { KernelCall } from '../kernels/call.js';
import { oneRowBlocks, packsShiftedF16, type KernelSet } from '../kernels/kernel-set.js';
import { uniforms } from '../kernels/uniforms.js';
import { laneColumnDispatch } from '../kernels/lane-matmul.js';
import { maxBindingBytes } from '../model/limits.js';
import ceilingKernels from '../../shaders/ceilings.wgsl?raw';
import laneColumns from '../../shaders/lane_columns.wgsl?raw';
import type { ReadPoint } from './cost-model.js';
import { stats, type Stats } from './stats.js';

export type TimerKind = 'timestamp-query' | 'wall-clock';

export interface ReadCeilingRow {
  kernel: 'read_stream' | 'read_stream_f16' | 'read_flat' | 'read_coalesced' | 'read_coalesced_f16';
  /** read_stream's copies (STREAM_COPIES): 0, 1, ... */
  copy?: number;
  bytes: number;
  ms: Stats;
  GBps: number;
}

export interface CopyCeilingRow {
  bytes: number;
  ms: Stats;
  /** Read plus written bytes per second. */
  GBps: number;
}

export interface FmaCeilingRow {
  chains: number;
  invocations: number;
  ms: Stats;
  gflops: number;
}

export interface Ceilings {
  timer: TimerKind;
  /** The best read rate over the sizes measured (the largest sizes, past any cache). */
  readGBps: number;
  /** f16 weight bytes per second read and unpacked (the best f16 reader at the largest size). */
  f16ReadGBps: number;
  /**
   * The best read rate at each size measured, smallest first (bytes: the size asked
   * for), and the best f16 read-and-unpack rate: the cost model charges a kernel's
   * weights at the rate near its own size (src/perf/cost-model.ts, curveGBps).
   */
  readCurve: ReadPoint[];
  f16ReadCurve: ReadPoint[];
  read: ReadCeilingRow[];
  copyGBps: number;
  copy: CopyCeilingRow[];
  /** The best of `fma`. */
  fmaGflops: number;
  fmaMs: Stats;
  /** The FMA kernel with each number of independent chains. */
  fma: FmaCeilingRow[];
  /** GPU time one more dispatch adds inside a pass, in microseconds. */
  dispatchOverheadUs: number;
  /**
   * The same for a dispatch that reads what the one before wrote (every kernel of a
   * step does), so the GPU drains between them: the overhead the cost model charges.
   */
  dependentDispatchUs: number;
  /** Wall time to submit a tiny copy and map its result back, in ms. */
  readbackMs: Stats;
  skipped: string[];
}

export interface CeilingOptions {
  sizesMiB: number[];
  repeats: number;
  fmaTrips: number;
}

const MiB = 2 ** 20;
// read_stream reads with the GEMV's own loads: the helpers are appended, as the GEMV's are.
const code = `${ceilingKernels}\n${laneColumns}`;

/** A read-ceiling kernel set up over a buffer: `bytes` is what one dispatch reads. */
export interface ReadKernel {
  kernel: ReadCeilingRow['kernel'];
  copy?: number;
  bytes: number;
  encode: (pass: GPUComputePassEncoder) => void;
  destroy: () => void;
}

const CEILING_WG = 64;

/**
 * read_stream is compiled this many times (COPY in shaders/ceilings.wgsl), each copy its
 * own pipeline timed beside the others, and the ceilings take the fastest: on SwiftShader
 * one compile of a kernel can run slower than another for as long as it lives, and one
 * slow copy would put the ceiling under the kernel it judges (docs/results.md, "Two
 * copies of the read ceiling").
 */
export const STREAM_COPIES = 2;
const ceilingPipe = (ctx: GpuContext, kernels: KernelSet, entry: string, extra: Record<string, number> = {}) =>
  ctx.pipelines.get('ceilings', code, entry, { LANES: kernels.gemv.lanes, WG: CEILING_WG, ...extra });

/** Every ceiling kernel's uniforms; read_flat, read_coalesced, fma_peak and empty give K and N other meanings (shaders/ceilings.wgsl). */
const PARAMS = uniforms('ceilings.wgsl', ceilingKernels, { rows: 'u32', K: 'u32', N: 'u32', rowVec4: 'u32' });

/** A 1-D reader (read_flat, read_coalesced): T invocations of CEILING_WG lanes, each reading `perInvocation` vec4s. */
function flatReader(
  ctx: GpuContext,
  pipeline: GPUComputePipeline,
  kernel: ReadKernel['kernel'],
  perInvocation: number,
  T: number,
  src: GPUBuffer,
  out: GPUBuffer,
): ReadKernel {
  const call = new KernelCall(ctx, pipeline, kernel, PARAMS, [undefined, out, src]);
  call.set('K', perInvocation).set('N', T);
  return {
    kernel,
    bytes: perInvocation * T * 16,
    encode: (p) => call.dispatch(p, Math.ceil(T / CEILING_WG)),
    destroy: () => call.destroy(),
  };
}

/**
 * read_stream (the GEMV's loads, f32 or unpacking f16; STREAM_COPIES copies, which a
 * caller times side by side and takes the fastest of) and read_flat over the first
 * bytes of `src`, as a [K, 4096] matrix (narrower when the buffer is small). Kernels
 * whose shape does not fit in `bytes` are left out.
 */
export async function readKernels(
  ctx: GpuContext,
  kernels: KernelSet,
  src: GPUBuffer,
  bytes: number,
  out: GPUBuffer,
  which: ReadonlyArray<'read_stream' | 'read_stream_f16' | 'read_flat'>,
): Promise<ReadKernel[]> {
  const made: ReadKernel[] = [];
  const N = bytes >= 4096 * 4 * 64 ? 4096 : 256;
  for (const kernel of which) {
    if (kernel === 'read_flat') {
      const T = Math.min(4096, Math.floor(bytes / 16));
      const perInvocation = Math.floor(bytes / 16 / Math.max(T, 1));
      if (perInvocation < 1) continue;
      made.push(flatReader(ctx, await ceilingPipe(ctx, kernels, 'read_flat'), kernel, perInvocation, T, src, out));
    } else {
      const f16 = kernel === 'read_stream_f16';
      const wordsPerRow = f16 ? N / 2 : N;
      const K = Math.floor(bytes / 4 / wordsPerRow);
      if (K < 1) continue;
      // As many 8-column blocks per lane as the one-row GEMV takes: its loads, exactly.
      const blocks = oneRowBlocks(kernels);
      // f16: unpacked as the engine's GEMV does on this adapter (shifted bits or unpack2x16float).
      const shifted = f16 && packsShiftedF16(kernels) ? 1 : 0;
      // And in the GEMV's workgroups, so the dispatch is the GEMV's too (it had its own 64:
      // a 256-wide read was then one workgroup where the GEMV's were two; timed against 8
      // at 512 x 256 and 4096^2, f32 and f16, the two were within the noise).
      const d = laneColumnDispatch(N, blocks, kernels.gemv.lanes, kernels.gemv.workgroupSize);
      for (let copy = 0; copy < STREAM_COPIES; copy++) {
        const pipeline = await ceilingPipe(ctx, kernels, 'read_stream', {
          W_F16: f16 ? 1 : 0,
          F16_SHIFTED: shifted,
          BLOCKS: blocks,
          WG: d.workgroup,
          COPY: copy,
        });
        const stream = new KernelCall(ctx, pipeline, kernel, PARAMS, [src, out]);
        stream
          .set('rows', 1)
          .set('K', K)
          .set('N', N)
          .set('rowVec4', wordsPerRow / 4);
        made.push({
          kernel,
          copy,
          bytes: K * wordsPerRow * 4,
          encode: (p) => stream.dispatch(p, d.workgroups),
          destroy: () => stream.destroy(),
        });
      }
    }
  }
  return made;
}

/**
 * Measures this adapter's ceilings: read bandwidth with the decode kernel's own
 * access pattern and with a flat stream, copy bandwidth, peak FMA rate,
 * per-dispatch overhead and submit-to-readback latency. Medians over repeats.
 */
export async function measureCeilings(
  ctx: GpuContext,
  kernels: KernelSet,
  o: CeilingOptions,
  progress: (m: string) => void = () => {},
): Promise<Ceilings> {
  const device = ctx.device;
  const WG = CEILING_WG;
  const COALESCED_INVOCATIONS = 1 << 18;
  const pipe = (entry: string, extra: Record<string, number> = {}) => ceilingPipe(ctx, kernels, entry, extra);
  const limit = maxBindingBytes(device.limits);
  const skipped: string[] = [];
  const out = ctx.storage('ceil.out', 4 * 65536 * 4);

  const clock = new PassClock(ctx);
  const timePass = (encode: (pass: GPUComputePassEncoder) => void) => clock.stats(encode, o.repeats);
  // Copies and readbacks have no pass to timestamp: wall clock, the same warm-up and repeats.
  const repeat = async (fn: () => Promise<number>) => {
    await fn(); // warm-up
    const xs: number[] = [];
    for (let i = 0; i < o.repeats; i++) xs.push(await fn());
    ctx.check();
    return stats(xs.filter(Number.isFinite));
  };

  const read: ReadCeilingRow[] = [];
  const copy: CopyCeilingRow[] = [];
  const readCurve: ReadPoint[] = [];
  const f16ReadCurve: ReadPoint[] = [];
  for (const mib of [...o.sizesMiB].sort((a, b) => a - b)) {
    // smallest first: the curves' order
    const bytes = mib * MiB;
    if (bytes > limit) {
      skipped.push(`${mib} MiB: past this device's binding limit of ${(limit / MiB).toFixed(0)} MiB`);
      continue;
    }
    progress(`ceilings: read and copy ${mib} MiB`);
    const first = read.length;
    const src = ctx.storage('ceil.src', bytes, new Float32Array(bytes / 4).fill(1));
    // read_stream: a [K, 4096] matrix in the decode kernel's layout, as f32 and as f16; read_flat.
    const readers: ReadKernel[] = await readKernels(ctx, kernels, src, bytes, out, ['read_stream', 'read_stream_f16', 'read_flat']);
    // read_coalesced: 2^18 invocations (a large GPU's worth in flight), each striding over the buffer.
    const T = Math.min(COALESCED_INVOCATIONS, bytes / 16);
    const perInvocation = Math.floor(bytes / 16 / T);
    for (const f16 of [false, true]) {
      const kernel = f16 ? 'read_coalesced_f16' : 'read_coalesced';
      readers.push(flatReader(ctx, await pipe('read_coalesced', { W_F16: f16 ? 1 : 0 }), kernel, perInvocation, T, src, out));
    }
    // All of a size's readers in turn, so a slow spell of the machine falls on all of
    // them; small sizes more often (up to 16x, a few ms each): a 1 MiB read takes about a
    // millisecond here, and the curve the cost model reads should not be one slow wake-up.
    const reps = o.repeats * Math.min(16, Math.max(1, Math.round(16 / mib)));
    const times = await clock.statsRoundRobin(
      readers.map((k) => k.encode),
      reps,
    );
    readers.forEach((k, i) => {
      read.push({
        kernel: k.kernel,
        ...(k.copy !== undefined ? { copy: k.copy } : {}),
        bytes: k.bytes,
        ms: times[i]!,
        GBps: k.bytes / times[i]!.median / 1e6,
      });
      k.destroy();
    });
    const best = (f16: boolean) =>
      Math.max(
        ...read
          .slice(first)
          .filter((r) => r.kernel.endsWith('_f16') === f16)
          .map((r) => r.GBps),
      );
    readCurve.push({ bytes, GBps: best(false) });
    f16ReadCurve.push({ bytes, GBps: best(true) });
    // copy: copyBufferToBuffer has no pass to timestamp, so wall clock to completion.
    const dst = ctx.storage('ceil.dst', bytes);
    const cMs = await repeat(async () => {
      const enc = device.createCommandEncoder();
      enc.copyBufferToBuffer(src, 0, dst, 0, bytes);
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      return performance.now() - t0;
    });
    copy.push({ bytes, ms: cMs, GBps: (2 * bytes) / cMs.median / 1e6 });
    for (const b of [src, dst]) b.destroy();
  }

  progress('ceilings: FMA peak');
  // The best of 1, 2 and 4 independent vec4 chains: adapters peak at different counts.
  // And 4,096 invocations or 64 times more with 64 times fewer trips (the same work):
  // a GPU with many cores needs the wide grid to fill them, SwiftShader neither.
  const fmaRuns: FmaCeilingRow[] = [];
  for (const wide of [1, 64]) {
    for (const chains of [1, 2, 4]) {
      const invocations = 4096 * wide;
      const fma = new KernelCall(ctx, await pipe('fma_peak', { CHAINS: chains }), `fma_peak.${chains}`, PARAMS, [undefined, out]);
      const trips = Math.max(1, Math.round(o.fmaTrips / chains / wide));
      fma.set('K', trips);
      const ms = await timePass((p) => fma.dispatch(p, invocations / WG));
      const flops = invocations * trips * chains * 64 * 4 * 2; // 64 vec4 fmas per chain per trip
      fmaRuns.push({ chains, invocations, ms, gflops: flops / ms.median / 1e6 });
      fma.destroy();
    }
  }
  const bestFma = fmaRuns.reduce((a, b) => (b.gflops > a.gflops ? b : a));

  progress('ceilings: dispatch overhead and readback latency');
  const empty = new KernelCall(ctx, await pipe('empty'), 'empty', PARAMS, [undefined, out]);
  empty.set('N', 0xffffffff);
  const many = 200;
  const one = await timePass((p) => empty.dispatch(p, 1));
  const lots = await timePass((p) => {
    for (let i = 0; i < many; i++) empty.dispatch(p, 1);
  });
  const chain = new KernelCall(ctx, await pipe('chain'), 'chain', PARAMS, [undefined, out]);
  const chainOne = await timePass((p) => chain.dispatch(p, 1));
  const chainLots = await timePass((p) => {
    for (let i = 0; i < many; i++) chain.dispatch(p, 1);
  });
  chain.destroy();
  const tiny = ctx.storage('ceil.tiny', 16);
  const staging = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const readbackMs = await repeat(async () => {
    const t0 = performance.now();
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(tiny, 0, staging, 0, 16);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    staging.unmap();
    return performance.now() - t0;
  });
  for (const b of [out, tiny, staging]) b.destroy();
  empty.destroy();
  clock.destroy();
  const largest = (rows: { bytes: number; GBps: number }[]) => {
    const top = Math.max(...rows.map((r) => r.bytes));
    return Math.max(...rows.filter((r) => r.bytes === top).map((r) => r.GBps));
  };
  return {
    timer: clock.timestamps ? 'timestamp-query' : 'wall-clock',
    // The curves' largest sizes: the best reader there, past any cache.
    readGBps: readCurve.length ? readCurve[readCurve.length - 1]!.GBps : NaN,
    f16ReadGBps: f16ReadCurve.length ? f16ReadCurve[f16ReadCurve.length - 1]!.GBps : NaN,
    readCurve,
    f16ReadCurve,
    read,
    copyGBps: copy.length ? largest(copy) : NaN,
    copy,
    fmaGflops: bestFma.gflops,
    fmaMs: bestFma.ms,
    fma: fmaRuns,
    dispatchOverheadUs: Math.max(0, ((lots.median - one.median) / (many - 1)) * 1000),
    dependentDispatchUs: Math.max(0, ((chainLots.median - chainOne.median) / (many - 1)) * 1000),
    readbackMs,
    skipped,
  };
}
