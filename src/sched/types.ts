/**
 * The scheduler's vocabulary. It knows requests, sequences, KV blocks and
 * tokens; nothing about GPUs or models. An executor (the GPU engine or the
 * simulator) runs each StepPlan and hands back one sampled id per item that
 * asked for one.
 */

/** What a caller asks for. Prompt ids are given; a trace's lengths become synthetic ids. */
export interface RequestSpec {
  id: string;
  prompt: number[];
  maxTokens: number;
  /** Ids that end the request when generated (included in the output). */
  stop?: number[];
  /** Higher runs first among waiting requests of the `priority` ordering; FCFS otherwise. */
  priority?: number;
  /** Seconds on the executor's clock. */
  arrivalS: number;
}

/** One sequence's share of a step: `count` tokens starting at cache position `start`. */
export interface PlanItem {
  seqId: string;
  /** KV slot (block table row) the sequence holds while it runs. */
  slot: number;
  /** The token ids this step feeds: a prompt chunk (prefill) or the last sampled id (decode). */
  tokens: number[];
  start: number;
  kind: 'prefill' | 'decode';
  /** True when the step's last row of this item yields the sequence's next token. */
  sample: boolean;
  /** The sequence's block table after this step's allocation. */
  blocks: number[];
}

export interface StepPlan {
  items: PlanItem[];
  /** Total token rows (the budget the policy respected). */
  rows: number;
}

/** Lifecycle events, for metrics and traces. */
export type SchedEvent =
  | { type: 'arrive'; seqId: string; t: number }
  | { type: 'schedule'; seqId: string; t: number }
  | { type: 'token'; seqId: string; t: number; token: number }
  | { type: 'preempt'; seqId: string; t: number }
  | { type: 'finish'; seqId: string; t: number; reason: 'length' | 'stop' | 'cancelled' };
