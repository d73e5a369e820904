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
    await this.once(encode);
    const xs: number[] = [];
    for (let i = 0; i < repeats; i++) xs.push(await this.once(encode));
    this.ctx.check();
    return stats(xs.filter(Number.isFinite));
  }

  destroy(): void {
    this.timer.destroy();
  }
}
