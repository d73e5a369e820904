import { InvalidRequestError } from '../errors.js';
import type { GpuContext } from '../gpu/context.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { GpuModel } from '../model/gpu-model.js';
import { KV_BLOCK_SIZE, kvBlocksFor } from '../model/kv-cache.js';
import { decode, encode } from '../model/tokenizer.js';
import type { ModelWeights } from '../model/weights.js';
import { requestMetrics, type RequestMetrics } from '../sched/metrics.js';
import type { Policy } from '../sched/policy.js';
import { makePolicy } from '../sched/policies/index.js';
import { Scheduler } from '../sched/scheduler.js';
import type { SchedEvent, StepPlan } from '../sched/types.js';
import { GpuExecutor } from './gpu-executor.js';
import { RequestHandle, type RequestResult } from './handle.js';

/**
 * Sequences running at once unless told otherwise. A decode step of up to 16 rows goes
 * through the GEMV (one pass over the weights for all of them); past 16 it goes through
 * the GEMM, whose tile on SwiftShader is 32 rows (kernel-set.ts, gemm.directRows), so
 * 17-32 rows cost little more than 17 (docs/results.md, "Serving defaults").
 */
export const DEFAULT_MAX_SEQS = 32;

export interface EngineOptions {
  /** A policy or its name: serial, static, continuous, continuous-unchunked (default continuous). */
  policy?: Policy | string;
  /** Sequences running at once (default DEFAULT_MAX_SEQS). */
  maxSeqs?: number;
  /** Token rows per step (default 256). */
  tokenBudget?: number;
  /** KV capacity in tokens, rounded up to whole 16-position blocks (default: a full context per sequence). */
  kvTokens?: number;
  /** Or in GPU bytes (keys and values, every layer), rounded down to whole blocks; not both. */
  kvBytes?: number;
  /** The kernels to run (default: chooseKernels for the adapter). */
  kernels?: KernelSet;
  /** Test hook: receives each sampled row's logits (costs a readback per step). */
  onLogits?: (seqId: string, logits: Float32Array) => void;
  /** Receives every scheduler event (for traces). */
  onEvent?: (e: SchedEvent) => void;
  /** Receives every step run (for traces), on the engine's clock. */
  onStep?: (s: StepRecord) => void;
}

/** One engine step as it ran: wall span (seconds since the engine started) and GPU time. */
export interface StepRecord {
  startS: number;
  endS: number;
  /** GPU time of the step's pass from timestamps, NaN without them. */
  gpuMs: number;
  rows: number;
  prefillRows: number;
  decodeRows: number;
  seqs: string[];
}

export interface SubmitRequest {
  prompt?: string;
  tokens?: number[];
  maxTokens: number;
  stop?: number[];
  priority?: number;
  signal?: AbortSignal;
}

export interface EngineStats {
  steps: number;
  /** Seconds inside steps (submit to sampled ids back). */
  stepWallS: number;
  /** Seconds of GPU time from timestamps (NaN without timestamp-query). */
  gpuBusyS: number;
}

/**
 * The serving engine: requests come in through submit() at any time; one
 * loop asks the scheduler for a plan, runs it on the GPU model, and hands the
 * sampled ids back, until no work is left. Each request's handle streams its
 * tokens and resolves with its timings. Times are seconds since the engine
 * started.
 */
export class Engine {
  readonly scheduler: Scheduler;
  private readonly executor: GpuExecutor;
  private readonly handles = new Map<string, RequestHandle>();
  private readonly t0 = performance.now();
  private nextId = 0;
  private pumping?: Promise<void>;
  private failure?: Error;
  readonly stats: EngineStats = { steps: 0, stepWallS: 0, gpuBusyS: 0 };

  private constructor(
    readonly model: GpuModel,
    scheduler: Scheduler,
    private readonly options: EngineOptions,
  ) {
    this.scheduler = scheduler;
    this.executor = new GpuExecutor(model);
    scheduler.onEvent((e) => this.onEvent(e));
  }

  static async create(ctx: GpuContext, weights: ModelWeights, options: EngineOptions = {}): Promise<Engine> {
    const c = weights.config;
    const maxSeqs = options.maxSeqs ?? DEFAULT_MAX_SEQS;
    const tokenBudget = options.tokenBudget ?? 256;
    const kvBlocks = kvBlocksFor(c, maxSeqs, options); // before anything is made: a bad size is a RangeError
    const model = await GpuModel.create(ctx, weights, { maxSeqs, maxRows: tokenBudget, kvBlocks, kernels: options.kernels });
    const policy =
      typeof options.policy === 'string' || options.policy === undefined ? makePolicy(options.policy ?? 'continuous') : options.policy;
    const scheduler = new Scheduler(policy, {
      maxSeqs,
      tokenBudget: model.maxRows,
      kvBlocks,
      blockSize: KV_BLOCK_SIZE,
      contextLength: c.contextLength,
    });
    return new Engine(model, scheduler, options);
  }

  /** Seconds since the engine started: the clock of every timing it reports. */
  now(): number {
    return (performance.now() - this.t0) / 1000;
  }

  submit(req: SubmitRequest): RequestHandle {
    if (this.failure) throw this.failure;
    const prompt = req.tokens ?? (req.prompt !== undefined ? encode(req.prompt) : undefined);
    if (!prompt) throw new InvalidRequestError('give a prompt (text) or tokens (ids)');
    const id = `req-${this.nextId++}`;
    const now = this.now();
    const spec = { id, prompt, maxTokens: req.maxTokens, stop: req.stop, priority: req.priority, arrivalS: now };
    if (req.signal?.aborted) throw new InvalidRequestError('the request was cancelled before it was submitted');
    const handle = new RequestHandle(id);
    this.scheduler.add(spec, now); // throws InvalidRequestError before anything is kept
    this.handles.set(id, handle);
    req.signal?.addEventListener('abort', () => this.scheduler.cancel(id, this.now()), { once: true });
    void this.pump();
    return handle;
  }

  /** Resolves when every submitted request has finished. */
  async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
    if (this.failure) throw this.failure;
  }

  private pump(): Promise<void> {
    this.pumping ??= (async () => {
      try {
        await Promise.resolve(); // let submits of the same tick join the first step
        for (;;) {
          const plan = this.scheduler.schedule(this.now());
          if (!plan) break;
          await this.step(plan);
        }
      } catch (e) {
        this.failure = e as Error;
        for (const h of this.handles.values()) h.fail(this.failure);
      } finally {
        this.pumping = undefined;
      }
    })();
    return this.pumping;
  }

  private async step(plan: StepPlan): Promise<void> {
    const t = performance.now();
    const startS = this.now();
    const out = await this.executor.run(plan, Boolean(this.options.onLogits));
    if (this.options.onStep) {
      const prefillRows = plan.items.filter((i) => i.kind === 'prefill').reduce((a, i) => a + i.tokens.length, 0);
      this.options.onStep({
        startS,
        endS: this.now(),
        gpuMs: out.gpuNs / 1e6,
        rows: plan.rows,
        prefillRows,
        decodeRows: plan.rows - prefillRows,
        seqs: plan.items.map((i) => i.seqId),
      });
    }
    this.stats.steps++;
    this.stats.stepWallS += (performance.now() - t) / 1000;
    this.stats.gpuBusyS += out.gpuNs / 1e9;
    if (out.logits && this.options.onLogits) {
      const V = this.model.config.vocab;
      let j = 0;
      for (const item of plan.items) if (item.sample) this.options.onLogits(item.seqId, out.logits.slice(j * V, ++j * V));
    }
    this.scheduler.complete(plan, out.ids, this.now());
  }

  private onEvent(e: SchedEvent): void {
    this.options.onEvent?.(e);
    const h = this.handles.get(e.seqId);
    if (!h) return;
    if (e.type === 'token') h.push(e.token);
    else if (e.type === 'finish') {
      const seq = this.scheduler.sequence(e.seqId)!;
      const result: RequestResult = {
        id: e.seqId,
        tokens: [...seq.generated],
        text: decode(seq.generated),
        finishReason: e.reason,
        metrics: requestMetrics(seq),
      };
      h.finish(result);
      this.handles.delete(e.seqId);
    }
  }

  /** Per-request records of every finished request so far. */
  records(ids: readonly string[]): RequestMetrics[] {
    return ids.map((id) => requestMetrics(this.scheduler.sequence(id)!));
  }

  destroy(): void {
    this.model.destroy();
  }
}
