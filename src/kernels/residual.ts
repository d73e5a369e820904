import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/residual.wgsl?raw';
import { KernelCall, type Bind } from './call.js';

/** x[rows, D] += y[rows, D], in place: the residual stream. */
export class Residual {
  private constructor(
    private readonly call: KernelCall,
    private readonly D: number, // what one row holds, in the units the kernel reads (f32 or vec4)
  ) {}

  static async create(ctx: GpuContext, D: number, x: Bind, y: Bind): Promise<Residual> {
    // Whole rows of vec4 when D allows (every preset's does): a quarter of the accesses.
    const entry = D % 4 === 0 ? 'residual4' : 'residual';
    const pipeline = await ctx.pipelines.get('residual', code, entry);
    return new Residual(new KernelCall(ctx, pipeline, entry, 1, [x, y]), D % 4 === 0 ? D / 4 : D);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    // this.D: values per row, or vec4s per row.
    this.call.u32(0, rows * this.D).dispatch1d(pass, rows * this.D);
  }

  destroy(): void {
    this.call.destroy();
  }
}
