import { grantRunning, type Grant, type Policy, type SchedulerView } from '../policy.js';

/**
 * Iteration-level (continuous) batching: every step, running sequences decode
 * one token each, unfinished prompts continue, and waiting requests join while
 * there is a free sequence slot, budget and KV room. With chunked prefill a
 * long prompt is split across steps so it never stalls the decoders; without
 * it a prompt joins only when it fits a step whole.
 */
export class ContinuousPolicy implements Policy {
  readonly name: string;

  constructor(readonly chunkedPrefill = true) {
    this.name = chunkedPrefill ? 'continuous' : 'continuous-unchunked';
  }

  grants(view: SchedulerView): Grant[] {
    const { grants, left: afterRunning } = grantRunning(view.running, view.tokenBudget, this.chunkedPrefill);
    let left = afterRunning;
    let slots = view.maxSeqs - view.running.length;
    for (const seq of view.waiting) {
      if (slots === 0 || left === 0) break;
      const count = this.chunkedPrefill ? Math.min(seq.toFeed, left) : seq.toFeed;
      if (count > left || !view.canHold(seq, count)) break; // FCFS: nobody overtakes the head of the queue
      grants.push({ seq, count });
      left -= count;
      slots--;
    }
    return grants;
  }
}
