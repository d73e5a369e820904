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
    const pipeline = await ctx.pipelines.get('swiglu', code, 'swiglu');
    const call = new KernelCall(ctx, pipeline, 'swiglu', 2, [gu, out]);
    call.u32(1, F);
    return new SwiGlu(call, F);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.u32(0, rows).dispatch1d(pass, rows * this.F);
  }

  destroy(): void {
    this.call.destroy();
  }
}
