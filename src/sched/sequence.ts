import type { RequestSpec } from './types.js';

export type SeqStatus = 'waiting' | 'running' | 'finished';

/**
 * A request's state inside the scheduler. `computed` counts positions whose
 * keys and values are in the cache; the tokens to feed are prompt then
 * generated ids. After a preemption `computed` drops to 0 and the prompt and
 * the ids generated so far are recomputed (prefill) before decoding resumes.
 */
export class Sequence {
  status: SeqStatus = 'waiting';
  computed = 0;
  generated: number[] = [];
  blocks: number[] = [];
  slot = -1;
  preemptions = 0;
  /** Order of (re)admission; preemption picks the most recent. */
  admittedAt = -1;
  finishReason?: 'length' | 'stop' | 'cancelled';
  // Times on the executor's clock (seconds), for metrics.
  firstScheduledS?: number;
  tokenTimesS: number[] = [];
  finishS?: number;

  constructor(readonly req: RequestSpec) {}

  get id(): string {
    return this.req.id;
  }

  /** Every token the sequence holds: prompt, then generated ids. */
  tokenAt(i: number): number {
    return i < this.req.prompt.length ? this.req.prompt[i]! : this.generated[i - this.req.prompt.length]!;
  }

  get length(): number {
    return this.req.prompt.length + this.generated.length;
  }

  /**
   * Tokens to feed before the next one can be sampled: the whole prompt at
   * first, 1 while decoding (the last sampled id), everything after a preemption.
   */
  get toFeed(): number {
    return this.length - this.computed;
  }

  /** True while the sequence only needs its last sampled id fed: a decode row. */
  get decoding(): boolean {
    return this.generated.length > 0 && this.toFeed === 1;
  }

  get done(): boolean {
    return this.status === 'finished';
  }
}
