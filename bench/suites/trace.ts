import type { SchedEvent } from '../../src/index.js';

/** A scheduler event tagged with the policy run it came from. */
export type TraceEvent = SchedEvent & { policy: string; pid: number };
