import { grantRunning, type Grant, type Policy, type SchedulerView } from '../policy.js';

/**
 * Static batching: when the engine is empty, take up to maxSeqs waiting
 * requests as one batch and run them together until the last one ends.
 * Finished members leave holes that nobody fills; new arrivals wait for the
 * next batch (the seed's "batch holes"). Prompts are chunked only by the budget.
 */
export class StaticPolicy implements Policy {
  readonly name = 'static';

  grants(view: SchedulerView): Grant[] {
    if (view.running.length > 0) return grantRunning(view.running, view.tokenBudget, true).grants;
    const grants: Grant[] = [];
    let left = view.tokenBudget;
    for (const seq of view.waiting.slice(0, view.maxSeqs)) {
      // The whole batch is admitted now; members whose prompt does not fit this
      // step start feeding next step (a zero grant still admits them).
      const count = Math.min(seq.toFeed, left);
      if (!view.canHold(seq, count)) break;
      grants.push({ seq, count });
      left -= count;
    }
    return grants;
  }
}
