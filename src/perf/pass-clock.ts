import { stats, type Stats } from './stats.js';
import type { GpuContext } from '../gpu/context.js';
import { PassTimer } from '../gpu/timer.js';

/**
 * How long benchmarks keep the GPU busy before timing anything: a real GPU idles at low
 * clocks and raises them only under sustained load (docs/results.md, "Warm-up before
 * timing"); a software adapter has no clocks to raise, and CI time to save.
 */
export function warmUpMsFor(ctx: GpuContext): number {
  return ctx.adapter.isFallbackAdapter ? 0 : 300;
}

/**
 * Times one compute pass at a time, for benchmarks: GPU time from timestamps
 * where the adapter has them (`timestamps`), else wall clock from submit to
 * onSubmittedWorkDone. Before each wait the context may sleep for most of the
 * last reading (GpuContext.beforeWait: Dawn in Node spins while it waits,
 * taking a core from a CPU adapter); that reading is the GPU time, so a slow
 * first run does not keep every later sleep too long.
 */
export class PassClock {
  private readonly timer: PassTimer;
  private lastMs = 0;

  constructor(
    private readonly ctx: GpuContext,
    /** Untimed work before a kernel's first timed reading (warmUpMsFor: 0 on a software adapter). */
    private readonly warmUpMs = warmUpMsFor(ctx),
  ) {
    this.timer = new PassTimer(ctx, 1);
  }

  get timestamps(): boolean {
    return this.timer.available;
  }

  /** ms of one pass holding what `encode` records (NaN when its timestamps are unusable). */
  async once(encode: (pass: GPUComputePassEncoder) => void): Promise<number> {
    const device = this.ctx.device;
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass({ timestampWrites: this.timer.pass(0) });
    encode(pass);
    pass.end();
    this.timer.resolve(enc, 1);
    const t0 = performance.now();
    device.queue.submit([enc.finish()]);
    return this.reading(t0);
  }

  /** The reading of what was just submitted (timestamps of pass 0, or wall clock since t0). */
  private async reading(t0: number): Promise<number> {
    await this.ctx.beforeWait(this.lastMs);
    let ms: number;
    if (this.timer.available) ms = (await this.timer.read(1))[0]! / 1e6;
    else {
      await this.ctx.device.queue.onSubmittedWorkDone();
      ms = performance.now() - t0;
    }
    this.lastMs = Number.isFinite(ms) ? ms : 0;
    return ms;
  }

  /** Median and spread of `repeats` readings after a warm-up; unusable readings are dropped. */
  async stats(encode: (pass: GPUComputePassEncoder) => void, repeats: number): Promise<Stats> {
    return (await this.statsRoundRobin([encode], repeats))[0]!;
  }

  /**
   * `stats` for several kernels whose ratios matter, taken in turn (A, B, C, A, B, C, ...):
   * on a shared machine the adapter's speed drifts within a run, and readings spread over
   * the same minutes drift together instead of landing on one kernel.
   */
  async statsRoundRobin(encodes: ReadonlyArray<(pass: GPUComputePassEncoder) => void>, repeats: number): Promise<Stats[]> {
    const last: number[] = [];
    for (const encode of encodes) {
      this.lastMs = 0; // a new kernel: the last one's time says nothing about it
      const first = await this.once(encode);
      last.push(this.lastMs);
      await this.keepBusy(encode, first);
    }
    const xs: number[][] = encodes.map(() => []);
    for (let i = 0; i < repeats; i++)
      for (const [j, encode] of encodes.entries()) {
        this.lastMs = last[j]!; // each kernel's own last reading sets the sleep before its wait
        const ms = await this.once(encode);
        last[j] = this.lastMs;
        xs[j]!.push(ms);
      }
    this.ctx.check();
    return xs.map((x) => stats(x.filter(Number.isFinite)));
  }

  /**
   * ms of whatever `submitWork` submits to the queue, for work this engine does not
   * record itself (a peer library's kernels): an empty pass that writes the start
   * timestamp is submitted before it and one that writes the end after it. The queue
   * runs them in order, so the span is the work's GPU time on the same clock as
   * `once`, plus two empty passes (and any wait for the CPU between the submits, when
   * `submitWork` awaits). Wall clock where there are no timestamps.
   */
  async around(submitWork: () => void | Promise<void>): Promise<number> {
    const device = this.ctx.device;
    const bracket = (writes: GPUComputePassTimestampWrites | undefined, resolve: boolean) => {
      const enc = device.createCommandEncoder();
      enc.beginComputePass({ timestampWrites: writes }).end();
      if (resolve) this.timer.resolve(enc, 1);
      device.queue.submit([enc.finish()]);
    };
    const t0 = performance.now();
    bracket(this.timer.opening(0), false);
    await submitWork(); // a peer may need to await its own run before its work is submitted
    bracket(this.timer.closing(0), true);
    return this.reading(t0);
  }

  /** `around` as `stats` does `once`: untimed runs (the first compiles and uploads; then the warm-up), then `repeats` readings. */
  async statsAround(submitWork: () => void | Promise<void>, repeats: number): Promise<Stats> {
    this.lastMs = 0;
    const t0 = performance.now();
    do await this.around(submitWork);
    while (performance.now() - t0 < this.warmUpMs);
    const xs: number[] = [];
    for (let i = 0; i < repeats; i++) xs.push(await this.around(submitWork));
    this.ctx.check();
    return stats(xs.filter(Number.isFinite));
  }

  /**
   * Runs `encode` back to back, untimed, for the warm-up time,
   * in command buffers of about 20 ms each, so the GPU's clocks are up when timing starts.
   */
  private async keepBusy(encode: (pass: GPUComputePassEncoder) => void, onceMs: number): Promise<void> {
    const warmUpMs = this.warmUpMs;
    if (warmUpMs <= 0) return;
    const device = this.ctx.device;
    const perSubmit = Number.isFinite(onceMs) ? Math.max(1, Math.min(256, Math.round(20 / Math.max(onceMs, 0.01)))) : 1;
    const t0 = performance.now();
    while (performance.now() - t0 < warmUpMs) {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      for (let i = 0; i < perSubmit; i++) encode(pass);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
    }
  }

  destroy(): void {
    this.timer.destroy();
  }
}

/** Runs `run` (at least once) until the warm-up time has passed (warmUpMsFor). */
export async function warmUp(ctx: GpuContext, run: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  const ms = warmUpMsFor(ctx);
  do await run();
  while (performance.now() - t0 < ms);
}
