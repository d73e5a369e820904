import { UnsupportedAdapterError } from '../errors.js';
import type { GpuContext } from '../gpu/context.js';
import { onePassDuration, PassTimer } from '../gpu/timer.js';
import { laneMatmulOnly } from '../gpu/tuning.js';
import { Argmax } from '../kernels/argmax.js';
import { Attention } from '../kernels/attention.js';
import { Embedding } from '../kernels/embedding.js';
import { Gemm } from '../kernels/gemm.js';
import { GEMV_MAX_ROWS, Gemv, gemvScratchBytes } from '../kernels/gemv.js';
import { KvWrite } from '../kernels/kv_write.js';
import type { MatrixLayout } from '../kernels/packing.js';
import { Residual } from '../kernels/residual.js';
import { RmsNorm } from '../kernels/rmsnorm.js';
import { Rope } from '../kernels/rope.js';
import { SwiGlu } from '../kernels/swiglu.js';
import { ropeTable } from '../numeric/rope-table.js';
import { type ModelConfig, qkvWidth, validateConfig } from './config.js';
import { GpuKvCache, KV_BLOCK_SIZE } from './kv-cache.js';
import { checkFitsDevice } from './limits.js';
import { GpuWeights, type GpuMatrix } from './gpu-weights.js';
import type { ModelWeights } from './weights.js';

/**
 * One engine step's rows. Row t is token tokens[t] of sequence slot seqs[t] at
 * absolute position positions[t]; its key and value land in that sequence's
 * cache. `logitRows` names the rows whose next token is wanted (the last
 * prompt row of a prefill, every row of a decode).
 * `phase` picks the matmul kernel: prefill rows go through GEMM, decode rows
 * through GEMV. Both give the same bits per row (one fma chain over K), so the
 * choice changes speed, never a result.
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
}

type MatmulPair = { gemm: Gemm; gemv: Gemv };

const NO_OPTIONS: { readLogits?: boolean } = Object.freeze({});

/** Where the step's timestamps sit in the ids staging buffer: after maxRows ids, 8-byte aligned. */
const timestampOffset = (maxRows: number) => Math.ceil((maxRows * 4) / 8) * 8;

interface LayerOps {
  attnNorm: RmsNorm;
  qkv: MatmulPair;
  rope: Rope;
  kvWrite: KvWrite;
  attention: Attention;
  o: MatmulPair;
  addAttn: Residual;
  mlpNorm: RmsNorm;
  gateUp: MatmulPair;
  swiglu: SwiGlu;
  down: MatmulPair;
  addMlp: Residual;
}

/**
 * The transformer on the GPU. Everything (weights, activations for maxRows
 * rows, KV cache, pipelines, bind groups, staging buffers) is made in
 * create(); step() writes the row inputs, encodes one command buffer with one
 * compute pass, and reads back only the sampled ids (and logits if asked).
 */
export class GpuModel {
  /** GPU ms of the last step of each phase: how long the next one may make beforeWait sleep. */
  private readonly lastStepMs = { prefill: 0, decode: 0 };

  private constructor(
    readonly ctx: GpuContext,
    readonly config: ModelConfig,
    readonly weights: GpuWeights,
    readonly kv: GpuKvCache,
    readonly maxRows: number,
    private readonly bufs: Record<string, GPUBuffer>,
    private readonly ops: { embed: Embedding; layers: LayerOps[]; finalNorm: RmsNorm; head: MatmulPair; argmax: Argmax },
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
    this.forwardPassDesc = { label: 'forward', timestampWrites: staging.timer.pass(0) };
    this.gemvTakesTails = laneMatmulOnly(ctx.tuning);
  }

  /** Whether the GEMV takes prompt rows past the GEMM's whole row groups (matmul), fixed with the kernels at create(). */
  private readonly gemvTakesTails: boolean;

  // Made once, so a step allocates nothing but its command buffer and the ids it reads back.
  private readonly stepEncoderDesc: GPUCommandEncoderDescriptor = { label: 'step' };
  private readonly forwardPassDesc: GPUComputePassDescriptor;
  private forwardPass: GPUComputePassEncoder | undefined;
  /** encodeForward's pass for a production step: every kernel in the one forward pass. */
  private readonly intoForwardPass = (): GPUComputePassEncoder => this.forwardPass!;

  static async create(ctx: GpuContext, w: ModelWeights, options: GpuModelOptions = {}): Promise<GpuModel> {
    const c = w.config;
    validateConfig(c);
    const maxSeqs = options.maxSeqs ?? 1;
    const maxRows = Math.max(1, Math.min(options.maxRows ?? 256, c.contextLength * maxSeqs));
    const { dModel: D, heads: H, kvHeads: Hkv, headDim: Dh, ffnDim: F, vocab: V } = c;
    const Nqkv = qkvWidth(c);
    const kvBlocks = options.kvBlocks ?? maxSeqs * Math.ceil(c.contextLength / KV_BLOCK_SIZE);
    checkFitsDevice(c, w.dtype, ctx.device.limits, kvBlocks, maxRows);
    const weights = new GpuWeights(ctx, w);
    const kv = new GpuKvCache(ctx, c, maxSeqs, kvBlocks);
    const act = (label: string, width: number) => ctx.storage(label, maxRows * width * 4);
    const bufs = {
      tokens: act('tokens', 1), // u32 [rows]
      positions: act('positions', 1), // u32 [rows]
      seqs: act('seqs', 1), // u32 [rows]
      rowIndex: act('rowIndex', 1), // u32 [logit rows]
      x: act('x', D), // [rows, D] residual stream
      xn: act('xn', D), // [rows, D] normed
      qkv: act('qkv', Nqkv), // [rows, (H + 2 Hkv) Dh]
      att: act('att', H * Dh), // [rows, H Dh]
      proj: act('proj', D), // [rows, D] o_proj / down_proj output
      gu: act('gu', 2 * F), // [rows, 2F]
      mlp: act('mlp', F), // [rows, F]
      headIn: act('headIn', D), // [logit rows, D]
      logits: act('logits', V), // [logit rows, V]
      ids: act('ids', 1), // u32 [logit rows]
    };
    const table = ropeTable(c.contextLength, Dh, c.ropeTheta);
    const cos = ctx.storage('rope.cos', table.cos.byteLength, table.cos);
    const sin = ctx.storage('rope.sin', table.sin.byteLength, table.sin);
    const gemvRows = Math.min(GEMV_MAX_ROWS, maxRows);
    // The split-K GEMV's partial sums: one buffer for every GEMV, which run one after another.
    const l0 = weights.layers[0]!;
    const matrices = [l0.wqkv, l0.wo, l0.wGateUp, l0.wDown, weights.lmHead];
    const partialBytes = Math.max(...matrices.map((m) => gemvScratchBytes(ctx.tuning, m.layout, gemvRows)));
    const partials = partialBytes > 0 ? ctx.storage('gemv.partials', partialBytes) : undefined;
    const pair = async (m: GpuMatrix, input: GPUBuffer, out: GPUBuffer, label: string): Promise<MatmulPair> => ({
      gemm: await Gemm.create(ctx, m.layout, input, m.buffer, out, `${label}.gemm`),
      gemv: await Gemv.create(ctx, m.layout, input, m.buffer, out, gemvRows, `${label}.gemv`, partials),
    });
    const rowBufs = { positions: bufs.positions, seqs: bufs.seqs, blockTable: kv.blockTable };
    const layers: LayerOps[] = [];
    for (let l = 0; l < c.layers; l++) {
      const lw = weights.layers[l]!;
      layers.push({
        attnNorm: await RmsNorm.create(ctx, D, c.normEps, bufs.x, lw.attnNorm, bufs.xn),
        qkv: await pair(lw.wqkv, bufs.xn, bufs.qkv, `l${l}.qkv`),
        rope: await Rope.create(ctx, { stride: Nqkv, ropeHeads: H + Hkv, headDim: Dh }, bufs.qkv, bufs.positions, cos, sin),
        kvWrite: await KvWrite.create(ctx, kv.layout, Nqkv, H * Dh, { qkv: bufs.qkv, ...rowBufs, cache: kv.layers[l]! }),
        attention: await Attention.create(ctx, { heads: H, kvHeads: Hkv, headDim: Dh, qkvStride: Nqkv }, kv.layout, {
          qkv: bufs.qkv,
          ...rowBufs,
          cache: kv.layers[l]!,
          out: bufs.att,
        }),
        o: await pair(lw.wo, bufs.att, bufs.proj, `l${l}.o`),
        addAttn: await Residual.create(ctx, D, bufs.x, bufs.proj),
        mlpNorm: await RmsNorm.create(ctx, D, c.normEps, bufs.x, lw.mlpNorm, bufs.xn),
        gateUp: await pair(lw.wGateUp, bufs.xn, bufs.gu, `l${l}.gateUp`),
        swiglu: await SwiGlu.create(ctx, F, bufs.gu, bufs.mlp),
        down: await pair(lw.wDown, bufs.mlp, bufs.proj, `l${l}.down`),
        addMlp: await Residual.create(ctx, D, bufs.x, bufs.proj),
      });
    }
    const ops = {
      embed: await Embedding.create(ctx, w.dtype, D, weights.embedRowWords, bufs.tokens, weights.embed, bufs.x),
      layers,
      finalNorm: await RmsNorm.create(ctx, D, c.normEps, bufs.x, weights.finalNorm, bufs.headIn, bufs.rowIndex),
      head: await pair(weights.lmHead, bufs.headIn, bufs.logits, 'head'),
      argmax: await Argmax.create(ctx, V, bufs.logits, bufs.ids),
    };
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
    return new GpuModel(ctx, c, weights, kv, maxRows, { ...bufs, cos, sin, ...(partials && { partials }) }, ops, staging);
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
    this.write(this.bufs.tokens!, input.tokens);
    this.write(this.bufs.positions!, input.positions);
    this.write(this.bufs.seqs!, input.seqs ?? this.staging.zeros, rows);
    if (input.logitRows) this.write(this.bufs.rowIndex!, input.logitRows);
    else {
      this.staging.lastRow[0] = rows - 1;
      this.write(this.bufs.rowIndex!, this.staging.lastRow);
    }
  }

  /**
   * Where a matrix's rows go. A decode step of up to 16 rows: the GEMV, one pass over
   * the weights for all of them; anything else the GEMM, except where the GEMV is the
   * lane GEMV and the GEMM gemm_direct (SwiftShader): there the rows past the GEMM's last
   * whole row group (32 rows), up to 16, go to the GEMV bucket that holds them, prompt
   * steps of up to 16 rows included. gemm_direct computes a whole group whatever the rows
   * in it: prompt steps of small took 29.6 ms at one row, 33.3 at 32, 53.1 at 33 and 62.4
   * at 64, and with the GEMV taking the rows past the groups 14.0 at one row and 34.4 at
   * 33 (Node, both forms' steps in turn; docs/results.md). The bits are the same either
   * way: both sum each output in one chain over k (shaders/lane_matmul.wgsl).
   */
  private matmul(pass: GPUComputePassEncoder, m: MatmulPair, rows: number, decode: boolean): void {
    const tails = this.gemvTakesTails;
    if (rows <= GEMV_MAX_ROWS && (decode || tails)) return m.gemv.encode(pass, rows);
    const tail = tails ? rows % m.gemm.rowsPerWorkgroup : 0;
    if (tail === 0 || tail > GEMV_MAX_ROWS) return m.gemm.encode(pass, rows);
    m.gemm.encode(pass, rows - tail);
    m.gemv.encode(pass, rows, rows - tail);
  }

  /**
   * Encodes the whole forward pass of `rows` rows and the head of `logitRows`
   * rows. `pass(label)` gives the pass each kernel goes into: the same one for
   * a production step, a fresh timestamped one per kernel for a profile.
   */
  encodeForward(pass: (kernel: string) => GPUComputePassEncoder, rows: number, logitRows: number, decode: boolean): void {
    const { ops } = this;
    ops.embed.encode(pass('embedding'), rows);
    for (const l of ops.layers) {
      l.attnNorm.encode(pass('rmsnorm'), rows);
      this.matmul(pass('qkv'), l.qkv, rows, decode);
      l.rope.encode(pass('rope'), rows);
      l.kvWrite.encode(pass('kv_write'), rows);
      l.attention.encode(pass('attention'), rows);
      this.matmul(pass('o_proj'), l.o, rows, decode);
      l.addAttn.encode(pass('residual'), rows);
      l.mlpNorm.encode(pass('rmsnorm'), rows);
      this.matmul(pass('gate_up'), l.gateUp, rows, decode);
      l.swiglu.encode(pass('swiglu'), rows);
      this.matmul(pass('down'), l.down, rows, decode);
      l.addMlp.encode(pass('residual'), rows);
    }
    ops.finalNorm.encode(pass('final_norm'), logitRows);
    // The head sees only the wanted rows, so a handful at most: GEMV unless many are asked for.
    this.matmul(pass('lm_head'), ops.head, logitRows, true);
    ops.argmax.encode(pass('argmax'), logitRows);
  }

  /** Kernels one step dispatches (embedding, 12 per layer, final norm, head, argmax). */
  get dispatchesPerStep(): number {
    return 1 + 12 * this.config.layers + 3;
  }

  /**
   * The attributed run: the same step with every kernel in its own timestamped
   * pass, to see where time goes. Returns GPU ns per kernel name (summed over
   * layers) and in total; compare the total with step().gpuNs, the production
   * shape, to see what splitting passes costs. Needs timestamp-query.
   */
  async profileStep(input: StepInput): Promise<{ kernels: Record<string, number>; totalNs: number }> {
    if (!this.ctx.hasTimestamps)
      throw new UnsupportedAdapterError('profiling kernels needs the timestamp-query feature, which this adapter lacks');
    const rows = input.tokens.length;
    const logitRows = input.logitRows?.length ?? 1;
    this.writeInputs(input, rows);
    const n = this.dispatchesPerStep;
    const timer = new PassTimer(this.ctx, n);
    const enc = this.ctx.device.createCommandEncoder({ label: 'profile' });
    const labels: string[] = [];
    let current: GPUComputePassEncoder | undefined;
    this.encodeForward(
      (kernel) => {
        current?.end();
        current = enc.beginComputePass({ label: kernel, timestampWrites: timer.pass(labels.length) });
        labels.push(kernel);
        return current;
      },
      rows,
      logitRows,
      input.phase === 'decode',
    );
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
    this.encodeForward(this.intoForwardPass, rows, n, input.phase === 'decode');
    pass.end();
    this.forwardPass = undefined;
    const tsOffset = this.staging.timestamps.offset;
    timer.resolve(enc, 1, this.staging.timestamps);
    enc.copyBufferToBuffer(this.bufs.ids!, 0, this.staging.ids, 0, n * 4);
    device.queue.submit([enc.finish()]);
    const logits = options.readLogits ? this.ctx.read(this.bufs.logits!, n * this.config.vocab * 4) : undefined;
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
    const { ops } = this;
    const pairs = (p: MatmulPair) => [p.gemm, p.gemv];
    const all: { destroy(): void }[] = [ops.embed, ops.finalNorm, ...pairs(ops.head), ops.argmax];
    for (const l of ops.layers)
      all.push(
        l.attnNorm,
        ...pairs(l.qkv),
        l.rope,
        l.kvWrite,
        l.attention,
        ...pairs(l.o),
        l.addAttn,
        l.mlpNorm,
        ...pairs(l.gateUp),
        l.swiglu,
        ...pairs(l.down),
        l.addMlp,
      );
    for (const o of all) o.destroy();
    for (const b of Object.values(this.bufs)) b.destroy();
    this.staging.ids.destroy();
    this.staging.timer.destroy();
    this.weights.destroy();
    this.kv.destroy();
  }
}

export type { MatrixLayout };
