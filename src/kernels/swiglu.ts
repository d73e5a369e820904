import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/swiglu.wgsl?raw';
import { KernelCall, type Bind } from './call.js';

/** out[t, i] = silu(gu[t, i]) * gu[t, F + i]; gu [rows, 2F], out [rows, F]. */
export class SwiGlu {
  private constructor(
    private readonly call: KernelCall,
    private readonly F: number,
  ) {}

  static async create(ctx: GpuContext, F: number, gu: Bind, out: Bind): Promise<SwiGlu> {
    // Four columns per invocation, one row per workgroup row, when F allows (every preset's does).
    const entry = F % 4 === 0 ? 'swiglu4' : 'swiglu';
    const pipeline = await ctx.pipelines.get('swiglu', code, entry);
    const call = new KernelCall(ctx, pipeline, entry, 2, [gu, out]);
    call.u32(1, F);
    return new SwiGlu(call, F);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.u32(0, rows);
    if (this.F % 4 !== 0) return this.call.dispatch1d(pass, rows * this.F);
    this.call.dispatchRows(pass, this.F / 4, rows);
  }

  destroy(): void {
    this.call.destroy();
  }
}
