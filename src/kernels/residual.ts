import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/residual.wgsl?raw';
import { KernelCall, type Bind } from './call.js';

/** x[rows, D] += y[rows, D], in place: the residual stream. */
export class Residual {
  private constructor(
    private readonly call: KernelCall,
    private readonly D: number,
  ) {}

  static async create(ctx: GpuContext, D: number, x: Bind, y: Bind): Promise<Residual> {
    const pipeline = await ctx.pipelines.get('residual', code, 'residual');
    return new Residual(new KernelCall(ctx, pipeline, 'residual', 1, [x, y]), D);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.u32(0, rows * this.D).dispatch1d(pass, rows * this.D);
  }

  destroy(): void {
    this.call.destroy();
  }
}
