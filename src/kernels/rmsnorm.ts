import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/rmsnorm.wgsl?raw';
import { KernelCall, grid1d, type Bind } from './call.js';

/**
 * out[r, :] = rmsnorm(x[r, :]) * gain. With `rowIndex`, row r reads
 * x[rowIndex[r], :] instead: the final norm gathers only the rows whose
 * logits are wanted (the last prompt token, each decoding sequence).
 */
export class RmsNorm {
  private constructor(private readonly call: KernelCall) {}

  static async create(ctx: GpuContext, D: number, eps: number, x: Bind, gain: Bind, out: Bind, rowIndex?: Bind): Promise<RmsNorm> {
    const entry = rowIndex ? 'rmsnorm_gather' : 'rmsnorm';
    const pipeline = await ctx.pipelines.get('rmsnorm', code, entry);
    const call = new KernelCall(ctx, pipeline, entry, 3, rowIndex ? [x, gain, out, rowIndex] : [x, gain, out]);
    call.u32(1, D).f32(2, eps);
    return new RmsNorm(call);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.u32(0, rows).dispatch(pass, ...grid1d(rows));
  }

  destroy(): void {
    this.call.destroy();
  }
}
