import { stats, type Stats } from '../perf/stats.js';
import type { GpuContext } from './context.js';
import { PassTimer } from './timer.js';

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

  constructor(private readonly ctx: GpuContext) {
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
    await this.ctx.beforeWait(this.lastMs);
    let ms: number;
    if (this.timer.available) ms = (await this.timer.read(1))[0]! / 1e6;
    else {
      await device.queue.onSubmittedWorkDone();
      ms = performance.now() - t0;
    }
    this.lastMs = Number.isFinite(ms) ? ms : 0;
    return ms;
  }

  /** Median and spread of `repeats` readings after a warm-up; unusable readings are dropped. */
  async stats(encode: (pass: GPUComputePassEncoder) => void, repeats: number): Promise<Stats> {
    this.lastMs = 0; // a new kernel: the last one's time says nothing about it
    const first = await this.once(encode);
    await this.keepBusy(encode, first);
    const xs: number[] = [];
    for (let i = 0; i < repeats; i++) xs.push(await this.once(encode));
    this.ctx.check();
    return stats(xs.filter(Number.isFinite));
  }

  /**
   * Runs `encode` back to back, untimed, for the context's warm-up time (GpuContext.warmUpMs),
   * in command buffers of about 20 ms each, so the GPU's clocks are up when timing starts.
   */
  private async keepBusy(encode: (pass: GPUComputePassEncoder) => void, onceMs: number): Promise<void> {
    const warmUpMs = this.ctx.warmUpMs;
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

/** Runs `run` (at least once) until the context's warm-up time has passed: see GpuContext.warmUpMs. */
export async function warmUp(ctx: GpuContext, run: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  do await run();
  while (performance.now() - t0 < ctx.warmUpMs);
}
