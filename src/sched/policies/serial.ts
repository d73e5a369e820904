import { grantRunning, type Grant, type Policy, type SchedulerView } from '../policy.js';

/**
 * The seed's naive server: one request at a time, first come first served.
 * Its prompt is fed in chunks of the token budget, then it decodes alone until
 * it ends; everyone else waits.
 */
export class SerialPolicy implements Policy {
  readonly name = 'serial';

  grants(view: SchedulerView): Grant[] {
    if (view.running.length > 0) return grantRunning(view.running.slice(0, 1), view.tokenBudget, true).grants;
    const next = view.waiting[0];
    return next ? [{ seq: next, count: Math.min(next.toFeed, view.tokenBudget) }] : [];
  }
}
