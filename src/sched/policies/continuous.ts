import { grantRunning, type Grant, type Policy, type SchedulerView } from '../policy.js';

/**
 * Iteration-level (continuous) batching: every step, finished sequences have
 * left and waiting requests join while there is a free sequence slot, budget
 * and KV room.
 *
 * With chunked prefill (the default), running sequences decode one token each
 * first, unfinished prompts continue, and a long prompt is split across steps
 * to fit what is left of the budget, so it never stalls the decoders.
 *
 * Without it (vLLM's original scheduler), a step is either all prefill or all
 * decode: prompts go first, whole, and the decoders wait for them. A prompt
 * longer than the whole budget still has to be split; it then gets steps to
 * itself.
 */
export class ContinuousPolicy implements Policy {
  readonly name: string;

  constructor(readonly chunkedPrefill = true) {
    this.name = chunkedPrefill ? 'continuous' : 'continuous-unchunked';
  }

  grants(view: SchedulerView): Grant[] {
    return this.chunkedPrefill ? this.chunked(view) : this.prefillFirst(view);
  }

  private chunked(view: SchedulerView): Grant[] {
    const { grants, left: afterRunning } = grantRunning(view.running, view.tokenBudget, true);
    let left = afterRunning;
    let slots = view.maxSeqs - view.running.length;
    for (const seq of view.waiting) {
      if (slots === 0 || left === 0) break;
      const count = Math.min(seq.toFeed, left);
      if (!view.canHold(seq, count)) break; // FCFS: nobody overtakes the head of the queue
      grants.push({ seq, count });
      left -= count;
      slots--;
    }
    return grants;
  }

  private prefillFirst(view: SchedulerView): Grant[] {
    const grants: Grant[] = [];
    let left = view.tokenBudget;
    // A running sequence still feeding its prompt (one longer than the budget, or a recompute).
    for (const seq of view.running) {
      if (seq.decoding || left === 0) continue;
      const count = Math.min(seq.toFeed, left);
      if (count < seq.toFeed && grants.length > 0) continue; // only alone may a prompt be split
      grants.push({ seq, count });
      left -= count;
    }
    let slots = view.maxSeqs - view.running.length;
    for (const seq of view.waiting) {
      if (slots === 0 || left === 0) break;
      let count = seq.toFeed;
      if (count > left) {
        if (grants.length > 0 || left < view.tokenBudget) break;
        count = left; // longer than a whole step: split, alone
      }
      if (!view.canHold(seq, count)) break;
      grants.push({ seq, count });
      left -= count;
      slots--;
    }
    if (grants.length > 0) return grants;
    return grantRunning(view.running, view.tokenBudget, false).grants;
  }
}
