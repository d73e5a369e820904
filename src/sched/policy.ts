import type { Sequence } from './sequence.js';

/** How many tokens a sequence feeds in the coming step. */
export interface Grant {
  seq: Sequence;
  count: number;
}

/** What a policy sees: arrived requests only, in queue order. */
export interface SchedulerView {
  /** Waiting sequences in the order they should be admitted (preempted ones first). */
  readonly waiting: readonly Sequence[];
  /** Running sequences in admission order. */
  readonly running: readonly Sequence[];
  readonly maxSeqs: number;
  /** Most token rows one step may carry. */
  readonly tokenBudget: number;
  /** Whether the KV cache can hold `extraTokens` more positions for `seq` right now. */
  canHold(seq: Sequence, extraTokens: number): boolean;
}

/**
 * A scheduling policy: decides, each step, which sequences feed how many
 * tokens, and which waiting ones join (a granted waiting sequence is admitted).
 * The scheduler does the rest: blocks, preemption, results, finishing.
 */
export interface Policy {
  readonly name: string;
  grants(view: SchedulerView): Grant[];
}

/**
 * Grants for the running sequences: one row per decoding sequence first (so a
 * long prefill never stalls them), then prefill chunks in admission order from
 * what is left of the budget. With `chunked` false a prefill is granted only
 * whole; past the budget it waits for an emptier step.
 */
export function grantRunning(running: readonly Sequence[], budget: number, chunked: boolean): { grants: Grant[]; left: number } {
  const grants: Grant[] = [];
  let left = budget;
  for (const seq of running)
    if (seq.decoding && left > 0) {
      grants.push({ seq, count: 1 });
      left--;
    }
  for (const seq of running) {
    if (seq.decoding || left === 0) continue;
    const count = chunked ? Math.min(seq.toFeed, left) : seq.toFeed <= left ? seq.toFeed : 0;
    if (count > 0) {
      grants.push({ seq, count });
      left -= count;
    }
  }
  return { grants, left };
}
