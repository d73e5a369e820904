import { InvalidRequestError } from '../errors.js';
import { BlockAllocator } from './block-allocator.js';
import type { Grant, Policy, SchedulerView } from './policy.js';
import { Sequence } from './sequence.js';
import type { PlanItem, RequestSpec, SchedEvent, StepPlan } from './types.js';

export interface SchedulerOptions {
  /** Sequences that may run at once (KV block-table rows). */
  maxSeqs: number;
  /** Most token rows in one step. */
  tokenBudget: number;
  /** KV capacity in blocks, and positions per block. */
  kvBlocks: number;
  blockSize: number;
  /** The model's context length: no sequence may grow past it. */
  contextLength: number;
}

/**
 * The bookkeeping shared by every policy, as vLLM splits it: the policy says
 * who feeds how many tokens; the scheduler admits, allocates KV blocks
 * (preempting the most recently admitted sequence when they run out), builds
 * the StepPlan, and takes the sampled ids back. No GPU, no model, no clock of
 * its own: callers pass `now`.
 */
export class Scheduler {
  readonly allocator: BlockAllocator;
  private readonly waitingQ: Sequence[] = [];
  private readonly runningQ: Sequence[] = [];
  private readonly all = new Map<string, Sequence>();
  private readonly freeSlots: number[];
  private admissions = 0;
  private listeners: ((e: SchedEvent) => void)[] = [];

  constructor(
    readonly policy: Policy,
    readonly opts: SchedulerOptions,
  ) {
    this.allocator = new BlockAllocator(opts.kvBlocks, opts.blockSize);
    this.freeSlots = Array.from({ length: opts.maxSeqs }, (_, i) => opts.maxSeqs - 1 - i);
  }

  onEvent(fn: (e: SchedEvent) => void): void {
    this.listeners.push(fn);
  }

  private emit(e: SchedEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  get waiting(): readonly Sequence[] {
    return this.waitingQ;
  }

  get running(): readonly Sequence[] {
    return this.runningQ;
  }

  get hasWork(): boolean {
    return this.waitingQ.length > 0 || this.runningQ.length > 0;
  }

  sequence(id: string): Sequence | undefined {
    return this.all.get(id);
  }

  /** Queues an arrived request; refuses one that could never run. */
  add(req: RequestSpec, now: number): Sequence {
    if (this.all.has(req.id)) throw new InvalidRequestError(`request id '${req.id}' is already in use`);
    if (req.prompt.length === 0) throw new InvalidRequestError('The prompt is empty: give at least one token.');
    if (!Number.isInteger(req.maxTokens) || req.maxTokens < 1)
      throw new InvalidRequestError(`maxTokens must be a whole number >= 1, got ${req.maxTokens}.`);
    const longest = req.prompt.length + req.maxTokens;
    if (longest > this.opts.contextLength)
      throw new InvalidRequestError(
        `Prompt (${req.prompt.length}) plus maxTokens (${req.maxTokens}) exceeds the context of ${this.opts.contextLength} tokens.`,
      );
    if (this.allocator.blocksFor(longest) > this.allocator.totalBlocks)
      throw new InvalidRequestError(
        `The request needs ${longest} KV positions but the whole cache holds ${this.allocator.totalBlocks * this.opts.blockSize}.`,
      );
    const seq = new Sequence(req);
    this.all.set(req.id, seq);
    this.enqueue(seq, false);
    this.emit({ type: 'arrive', seqId: seq.id, t: now });
    return seq;
  }

  /** FCFS within priority (higher first); preempted sequences go to the front. */
  private enqueue(seq: Sequence, front: boolean): void {
    seq.status = 'waiting';
    if (front) {
      this.waitingQ.unshift(seq);
      return;
    }
    const p = seq.req.priority ?? 0;
    let i = this.waitingQ.length;
    while (i > 0 && (this.waitingQ[i - 1]!.req.priority ?? 0) < p && this.waitingQ[i - 1]!.preemptions === 0) i--;
    this.waitingQ.splice(i, 0, seq);
  }

  /** Cancels a request at any stage; its KV blocks are free on return. */
  cancel(id: string, now: number): boolean {
    const seq = this.all.get(id);
    if (!seq || seq.done) return false;
    this.finish(seq, 'cancelled', now);
    return true;
  }

  private finish(seq: Sequence, reason: 'length' | 'stop' | 'cancelled', now: number): void {
    this.detach(seq);
    seq.status = 'finished';
    seq.finishReason = reason;
    seq.finishS = now;
    this.emit({ type: 'finish', seqId: seq.id, t: now, reason });
  }

  /** Removes a sequence from the queues and gives back its blocks and slot. */
  private detach(seq: Sequence): void {
    const w = this.waitingQ.indexOf(seq);
    if (w >= 0) this.waitingQ.splice(w, 1);
    const r = this.runningQ.indexOf(seq);
    if (r >= 0) this.runningQ.splice(r, 1);
    this.allocator.release(seq.id, seq.blocks);
    seq.blocks = [];
    if (seq.slot >= 0) this.freeSlots.push(seq.slot);
    seq.slot = -1;
  }

  private preempt(seq: Sequence, now: number): void {
    this.detach(seq);
    seq.computed = 0; // recompute prompt and generated ids later
    seq.preemptions++;
    this.enqueue(seq, true);
    this.emit({ type: 'preempt', seqId: seq.id, t: now });
  }

  private view(): SchedulerView {
    return {
      waiting: this.waitingQ,
      running: this.runningQ,
      maxSeqs: this.opts.maxSeqs,
      tokenBudget: this.opts.tokenBudget,
      canHold: (seq, extra) => this.allocator.blocksFor(seq.computed + extra) - seq.blocks.length <= this.allocator.freeBlocks,
    };
  }

  /** The next step's plan, or undefined when no sequence can feed a token now. */
  schedule(now: number): StepPlan | undefined {
    let grants = this.policy.grants(this.view());
    for (;;) {
      const failed = this.admitAndAllocate(grants, now);
      if (!failed) break;
      // Out of KV blocks: preempt the most recently admitted running sequence and retry.
      const victim = [...this.runningQ].sort((a, b) => b.admittedAt - a.admittedAt)[0];
      if (!victim) throw new Error('KV cache exhausted with nothing to preempt');
      this.preempt(victim, now);
      grants = this.policy.grants(this.view());
    }
    const items: PlanItem[] = [];
    let rows = 0;
    for (const { seq, count } of grants) {
      if (count === 0) continue;
      const start = seq.computed;
      const tokens = Array.from({ length: count }, (_, i) => seq.tokenAt(start + i));
      const kind = seq.decoding ? 'decode' : 'prefill';
      items.push({ seqId: seq.id, slot: seq.slot, tokens, start, kind, sample: start + count === seq.length, blocks: seq.blocks });
      rows += count;
    }
    if (rows > this.opts.tokenBudget)
      throw new Error(`policy ${this.policy.name} granted ${rows} rows over the budget of ${this.opts.tokenBudget}`);
    return items.length ? { items, rows } : undefined;
  }

  /** Admits granted waiting sequences and grows block tables; returns true if blocks ran out. */
  private admitAndAllocate(grants: Grant[], now: number): boolean {
    for (const { seq, count } of grants) {
      if (seq.status === 'waiting') {
        const slot = this.freeSlots.pop();
        if (slot === undefined) throw new Error(`policy ${this.policy.name} admitted past maxSeqs`);
        this.waitingQ.splice(this.waitingQ.indexOf(seq), 1);
        this.runningQ.push(seq);
        seq.status = 'running';
        seq.slot = slot;
        seq.admittedAt = this.admissions++;
        if (seq.firstScheduledS === undefined) {
          seq.firstScheduledS = now;
          this.emit({ type: 'schedule', seqId: seq.id, t: now });
        }
      }
      const need = this.allocator.blocksFor(seq.computed + count) - seq.blocks.length;
      if (need > 0) {
        const got = this.allocator.allocate(seq.id, need);
        if (!got) return true;
        seq.blocks = [...seq.blocks, ...got];
      }
    }
    return false;
  }

  /**
   * Takes a step's results back: `sampled` holds one id per item with
   * `sample` set, in plan order. Sequences that reach maxTokens or a stop id
   * finish and free their blocks.
   */
  complete(plan: StepPlan, sampled: ArrayLike<number>, now: number): void {
    let j = 0;
    for (const item of plan.items) {
      const token = item.sample ? sampled[j++]! : -1;
      const seq = this.all.get(item.seqId)!;
      if (seq.done) continue; // cancelled while the step ran
      seq.computed = item.start + item.tokens.length;
      if (!item.sample) continue;
      seq.generated.push(token);
      seq.tokenTimesS.push(now);
      this.emit({ type: 'token', seqId: seq.id, t: now, token });
      if (seq.req.stop?.includes(token)) this.finish(seq, 'stop', now);
      else if (seq.generated.length >= seq.req.maxTokens) this.finish(seq, 'length', now);
    }
  }
}
