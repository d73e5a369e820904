import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/rmsnorm.wgsl?raw';
import { KernelCall, type Bind } from './call.js';

/**
 * out[r, :] = rmsnorm(x[r, :]) * gain. With `rowIndex`, row r reads
 * x[rowIndex[r], :] instead: the final norm gathers only the rows whose
 * logits are wanted (the last prompt token, each decoding sequence).
 */
export class RmsNorm {
  private constructor(
    private readonly call: KernelCall,
    private readonly perWorkgroup: boolean,
  ) {}

  static async create(ctx: GpuContext, D: number, eps: number, x: Bind, gain: Bind, out: Bind, rowIndex?: Bind): Promise<RmsNorm> {
    const perWorkgroup = ctx.tuning.rmsnorm === 'workgroup';
    // One invocation per row reads vec4s when D allows (every preset's does): a quarter of the accesses.
    const entry = `${rowIndex ? 'rmsnorm_gather' : 'rmsnorm'}${perWorkgroup ? '_wg' : D % 4 === 0 ? '4' : ''}`;
    const pipeline = await ctx.pipelines.get('rmsnorm', code, entry);
    const call = new KernelCall(ctx, pipeline, entry, 3, rowIndex ? [x, gain, out, rowIndex] : [x, gain, out]);
    call.u32(1, D).f32(2, eps);
    return new RmsNorm(call, perWorkgroup);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    // One invocation, or one workgroup, per row.
    this.call.u32(0, rows).dispatch1d(pass, rows, this.perWorkgroup ? 1 : 64);
  }

  destroy(): void {
    this.call.destroy();
  }
}
