import type { RequestMetrics } from '../sched/metrics.js';

export interface RequestResult {
  id: string;
  tokens: number[];
  text: string;
  finishReason: 'length' | 'stop' | 'cancelled';
  metrics: RequestMetrics;
}

/**
 * What submit() returns: an async iterator over the request's tokens as they
 * are made, and `result`, which resolves when it ends (a cancelled request
 * resolves too, with the tokens it had and finishReason 'cancelled').
 */
export class RequestHandle implements AsyncIterable<number> {
  readonly result: Promise<RequestResult>;
  private resolve!: (r: RequestResult) => void;
  private reject!: (e: Error) => void;
  private readonly tokens: number[] = [];
  private ended = false;
  private error?: Error;
  private wake?: () => void;

  constructor(readonly id: string) {
    this.result = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    this.result.catch(() => {}); // a failure is also raised to whoever iterates
  }

  push(token: number): void {
    this.tokens.push(token);
    this.wake?.();
  }

  finish(r: RequestResult): void {
    this.ended = true;
    this.resolve(r);
    this.wake?.();
  }

  fail(e: Error): void {
    this.ended = true;
    this.error = e;
    this.reject(e);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<number> {
    let i = 0;
    for (;;) {
      while (i < this.tokens.length) yield this.tokens[i++]!;
      if (this.error) throw this.error;
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}
