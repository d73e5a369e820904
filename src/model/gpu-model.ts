import { UnsupportedAdapterError } from '../errors.js';
import type { GpuContext } from '../gpu/context.js';
import { onePassDuration, PassTimer } from '../gpu/timer.js';
import { GEMV_MAX_ROWS } from '../kernels/gemv-rows.js';
import { chooseKernels, type KernelSet } from '../kernels/kernel-set.js';
import type { MatrixLayout } from '../kernels/packing.js';
import { ropeTable } from '../numeric/rope-table.js';
import { type ModelConfig, qkvWidth, validateConfig } from './config.js';
import { bindStepOps, type BoundOp, partialBytes, type StepBuffers } from './gpu-ops.js';
import { GpuWeights } from './gpu-weights.js';
import { GpuKvCache, KV_BLOCK_SIZE } from './kv-cache.js';
import { checkFitsDevice } from './limits.js';
import { stepDispatches, stepOps, type StepOp, type StepShape } from './step-ops.js';
import type { ModelWeights } from './weights.js';
import { weightSource, type WeightSource } from './build-weights.js';

/**
 * One engine step's rows. Row t is token tokens[t] of sequence slot seqs[t] at
 * absolute position positions[t]; its key and value land in that sequence's
 * cache. `logitRows` names the rows whose next token is wanted (the last
 * prompt row of a prefill, every row of a decode).
 * `phase` picks the matmul kernel: prefill rows go through GEMM, decode rows
 * through GEMV (src/model/step-ops.ts, gemmRowsOf). Both give the same bits per
 * row, so the choice changes speed, never a result.
 */
export interface StepInput {
  tokens: ArrayLike<number>;
  positions: ArrayLike<number>;
  seqs?: ArrayLike<number>; // default: all rows in slot 0
  logitRows?: ArrayLike<number>; // default: the last row
  phase: 'prefill' | 'decode';
}

export interface StepOutput {
  ids: Uint32Array; // greedy next token of each logit row
  logits?: Float32Array; // [logitRows, V] when asked for
  /** GPU time of the forward pass from timestamps (ns), NaN without timestamp-query. */
  gpuNs: number;
}

export interface GpuModelOptions {
  /** Sequence slots in the KV cache (sequences alive at once). */
  maxSeqs?: number;
  /** Most token rows one step may carry; longer prompts are prefilled in chunks of this. */
  maxRows?: number;
  /** KV cache blocks of 16 positions in all (default: a whole context per sequence slot). */
  kvBlocks?: number;
  /** The kernels to run (default: chooseKernels for this adapter). */
  kernels?: KernelSet;
}

const NO_OPTIONS: { readLogits?: boolean } = Object.freeze({});

/** Where the step's timestamps sit in the ids staging buffer: after maxRows ids, 8-byte aligned. */
const timestampOffset = (maxRows: number) => Math.ceil((maxRows * 4) / 8) * 8;

/**
 * The transformer on the GPU. Everything (weights, activations for maxRows
 * rows, KV cache, pipelines, bind groups, staging buffers) is made in
 * create(); step() writes the row inputs, encodes one command buffer with one
 * compute pass, and reads back only the sampled ids (and logits if asked).
 */
export class GpuModel {
  /** GPU ms of the last step of each phase: how long the next one may make beforeWait sleep. */
  private readonly lastStepMs = { prefill: 0, decode: 0 };
  /** The step list (step-ops.ts) this model runs, in order. */
  readonly stepOps: readonly StepOp[];
  /** The shape of the step being encoded: one object, refilled each step (the decode loop allocates nothing). */
  private readonly shape: StepShape = { rows: 0, logitRows: 0, decode: false };

  private constructor(
    readonly ctx: GpuContext,
    /** The kernels this model was made with; fixed for its life. */
    readonly kernels: KernelSet,
    readonly config: ModelConfig,
    readonly weights: GpuWeights,
    readonly kv: GpuKvCache,
    readonly maxRows: number,
    private readonly bufs: StepBuffers,
    private readonly ops: readonly BoundOp[],
    private readonly staging: {
      timer: PassTimer;
      ids: GPUBuffer;
      /** Where the step's timestamps are resolved: behind the ids, so one map reads both. */
      timestamps: { buffer: GPUBuffer; offset: number };
      rowInput: Uint32Array;
      zeros: Uint32Array;
      /** The default logit row (the last one), written without a new array. */
      lastRow: Uint32Array;
    },
  ) {
    this.stepOps = ops.map((o) => o.op);
    this.forwardPassDesc = { label: 'forward', timestampWrites: staging.timer.pass(0) };
  }

  // Made once, so a step allocates nothing but its command buffer and the ids it reads back.
  private readonly stepEncoderDesc: GPUCommandEncoderDescriptor = { label: 'step' };
  private readonly forwardPassDesc: GPUComputePassDescriptor;
  private forwardPass: GPUComputePassEncoder | undefined;
  /** encodeForward's pass for a production step: every kernel in the one forward pass. */
  private readonly intoForwardPass = (): GPUComputePassEncoder => this.forwardPass!;

  /**
   * Weights in memory, or a WeightSource (a model file read as it is uploaded: the weights
   * are never all in memory at once).
   */
  static async create(ctx: GpuContext, weights: ModelWeights | WeightSource, options: GpuModelOptions = {}): Promise<GpuModel> {
    const w = 'layers' in weights ? weightSource(weights) : weights;
    const c = w.config;
    validateConfig(c);
    const kernels = options.kernels ?? chooseKernels(ctx.adapter);
    const maxSeqs = options.maxSeqs ?? 1;
    const maxRows = Math.max(1, Math.min(options.maxRows ?? 256, c.contextLength * maxSeqs));
    const { dModel: D, heads: H, headDim: Dh, ffnDim: F, vocab: V } = c;
    const kvBlocks = options.kvBlocks ?? maxSeqs * Math.ceil(c.contextLength / KV_BLOCK_SIZE);
    checkFitsDevice(c, w.dtype, ctx.device.limits, kvBlocks, maxRows);
    const gpuWeights = await GpuWeights.create(ctx, kernels, w);
    const kv = new GpuKvCache(ctx, c, maxSeqs, kvBlocks);
    const act = (label: string, width: number) => ctx.storage(label, maxRows * width * 4);
    const table = ropeTable(c.contextLength, Dh, c.ropeTheta, c.ropeFactors);
    const scratch = partialBytes(kernels, gpuWeights, maxRows);
    const bufs: StepBuffers = {
      tokens: act('tokens', 1),
      positions: act('positions', 1),
      seqs: act('seqs', 1),
      rowIndex: act('rowIndex', 1),
      x: act('x', D),
      xn: act('xn', D),
      qkv: act('qkv', qkvWidth(c)),
      att: act('att', H * Dh),
      proj: act('proj', D),
      gu: act('gu', 2 * F),
      mlp: act('mlp', F),
      headIn: act('headIn', D),
      logits: act('logits', V),
      ids: act('ids', 1),
      cos: ctx.storage('rope.cos', table.cos.byteLength, table.cos),
      sin: ctx.storage('rope.sin', table.sin.byteLength, table.sin),
      ...(scratch > 0 && { partials: ctx.storage('gemv.partials', scratch) }),
    };
    const gemvRows = Math.min(GEMV_MAX_ROWS, maxRows);
    const ops = await bindStepOps(stepOps(c), { ctx, kernels, config: c, weights: gpuWeights, kv, bufs, gemvRows });
    // Sampled ids, then the step's two timestamps at an 8-byte aligned offset: one map per step.
    const ids = ctx.device.createBuffer({
      label: 'ids.staging',
      size: timestampOffset(maxRows) + 16,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const staging = {
      timer: new PassTimer(ctx, 1),
      ids,
      timestamps: { buffer: ids, offset: timestampOffset(maxRows) },
      rowInput: new Uint32Array(maxRows),
      zeros: new Uint32Array(maxRows),
      lastRow: new Uint32Array(1),
    };
    ctx.check();
    return new GpuModel(ctx, kernels, c, gpuWeights, kv, maxRows, bufs, ops, staging);
  }

  /** Bytes of weights one decode step reads. */
  get weightBytes(): number {
    return this.weights.matrixBytes;
  }

  /** The first `count` of values into a row buffer, through the staging array. */
  private write(buffer: GPUBuffer, values: ArrayLike<number>, count = values.length): void {
    const a = this.staging.rowInput;
    for (let i = 0; i < count; i++) a[i] = values[i]!;
    this.ctx.device.queue.writeBuffer(buffer, 0, a.buffer, 0, count * 4);
  }

  /** A step's row inputs into their buffers (sequence 0 and the last row's logits by default), allocating nothing. */
  private writeInputs(input: StepInput, rows: number): void {
    this.write(this.bufs.tokens, input.tokens);
    this.write(this.bufs.positions, input.positions);
    this.write(this.bufs.seqs, input.seqs ?? this.staging.zeros, rows);
    if (input.logitRows) this.write(this.bufs.rowIndex, input.logitRows);
    else {
      this.staging.lastRow[0] = rows - 1;
      this.write(this.bufs.rowIndex, this.staging.lastRow);
    }
  }

  /**
   * Encodes the whole forward pass of a step of this shape, op by op in the step list's
   * order. `pass(op)` gives the pass each op goes into: the same one for a production step,
   * a fresh timestamped one per op for a profile.
   */
  encodeForward(pass: (op: StepOp) => GPUComputePassEncoder, shape: StepShape): void {
    for (const o of this.ops) o.encode(pass(o.op), shape);
  }

  /** Dispatches a step of this shape encodes (step-ops.ts, stepDispatches). */
  dispatchesPerStep(shape: StepShape): number {
    return stepDispatches(this.stepOps, this.kernels, shape);
  }

  /**
   * The attributed run: the same step with every op of the step list in its own
   * timestamped pass, to see where time goes. Returns GPU ns per kernel name (summed
   * over layers) and in total; compare the total with step().gpuNs, the production
   * shape, to see what splitting passes costs. Needs timestamp-query.
   */
  async profileStep(input: StepInput): Promise<{ kernels: Record<string, number>; totalNs: number }> {
    if (!this.ctx.hasTimestamps)
      throw new UnsupportedAdapterError('profiling kernels needs the timestamp-query feature, which this adapter lacks');
    const rows = input.tokens.length;
    this.writeInputs(input, rows);
    const timer = new PassTimer(this.ctx, this.ops.length);
    const enc = this.ctx.device.createCommandEncoder({ label: 'profile' });
    const labels: string[] = [];
    let current: GPUComputePassEncoder | undefined;
    const shape = { rows, logitRows: input.logitRows?.length ?? 1, decode: input.phase === 'decode' };
    this.encodeForward((op) => {
      current?.end();
      current = enc.beginComputePass({ label: op.name, timestampWrites: timer.pass(labels.length) });
      labels.push(op.name);
      return current;
    }, shape);
    current?.end();
    timer.resolve(enc, labels.length);
    this.ctx.device.queue.submit([enc.finish()]);
    const ns = await timer.read(labels.length);
    timer.destroy();
    this.ctx.check();
    const kernels: Record<string, number> = {};
    labels.forEach((k, i) => (kernels[k] = (kernels[k] ?? 0) + ns[i]!));
    return { kernels, totalNs: ns.reduce((a, b) => a + b, 0) };
  }

  /** Runs one step and returns the greedy ids of the logit rows (and their logits if asked). */
  async step(input: StepInput, options: { readLogits?: boolean } = NO_OPTIONS): Promise<StepOutput> {
    this.ctx.check(); // a lost device fails here, typed, before any work is queued
    const rows = input.tokens.length;
    const n = input.logitRows?.length ?? 1;
    if (rows < 1 || rows > this.maxRows) throw new RangeError(`a step carries 1..${this.maxRows} rows, got ${rows}`);
    if (input.positions.length !== rows || (input.seqs && input.seqs.length !== rows))
      throw new RangeError('tokens, positions and seqs must have one entry per row');
    if (n < 1 || n > rows) throw new RangeError(`logitRows must name 1..${rows} rows, got ${n}`);
    this.writeInputs(input, rows);
    const device = this.ctx.device;
    const enc = device.createCommandEncoder(this.stepEncoderDesc);
    const timer = this.staging.timer;
    const pass = (this.forwardPass = enc.beginComputePass(this.forwardPassDesc));
    this.shape.rows = rows;
    this.shape.logitRows = n;
    this.shape.decode = input.phase === 'decode';
    this.encodeForward(this.intoForwardPass, this.shape);
    pass.end();
    this.forwardPass = undefined;
    const tsOffset = this.staging.timestamps.offset;
    timer.resolve(enc, 1, this.staging.timestamps);
    enc.copyBufferToBuffer(this.bufs.ids, 0, this.staging.ids, 0, n * 4);
    device.queue.submit([enc.finish()]);
    const logits = options.readLogits ? this.ctx.read(this.bufs.logits, n * this.config.vocab * 4) : undefined;
    await this.ctx.beforeWait(this.lastStepMs[input.phase]);
    const t0 = performance.now();
    // The only readback of a step: the sampled ids, with the step's timestamps behind them.
    const mapBytes = timer.available ? tsOffset + 16 : Math.ceil((n * 4) / 8) * 8;
    try {
      await this.staging.ids.mapAsync(GPUMapMode.READ, 0, mapBytes);
    } catch (e) {
      this.ctx.check(); // the device went away mid-step: say so (DeviceLostError)
      throw e;
    }
    const mapped = this.staging.ids.getMappedRange(0, mapBytes);
    const ids = new Uint32Array(mapped.slice(0, n * 4));
    const ns = timer.available ? onePassDuration(mapped, tsOffset) : NaN;
    this.staging.ids.unmap();
    this.ctx.check();
    // What the next step of this shape may expect to wait (for beforeWait).
    this.lastStepMs[input.phase] = Number.isFinite(ns) ? ns / 1e6 : performance.now() - t0;
    return { ids, logits: logits && new Float32Array(await logits), gpuNs: ns };
  }

  destroy(): void {
    for (const o of this.ops) o.destroy();
    for (const b of Object.values(this.bufs) as (GPUBuffer | undefined)[]) b?.destroy();
    this.staging.ids.destroy();
    this.staging.timer.destroy();
    this.weights.destroy();
    this.kv.destroy();
  }
}

export type { MatrixLayout };
