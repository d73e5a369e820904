import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/rope.wgsl?raw';
import { KernelCall, type Bind } from './call.js';

/** Rotates, in place, the first `ropeHeads` heads of each row of x [rows, stride] by its position. */
export class Rope {
  private constructor(
    private readonly call: KernelCall,
    private readonly perRow: number,
  ) {}

  static async create(
    ctx: GpuContext,
    dims: { stride: number; ropeHeads: number; headDim: number },
    x: Bind,
    positions: Bind,
    cos: Bind,
    sin: Bind,
  ): Promise<Rope> {
    const pipeline = await ctx.pipelines.get('rope', code, 'rope');
    const call = new KernelCall(ctx, pipeline, 'rope', 4, [x, positions, cos, sin]);
    const half = dims.headDim / 2;
    call.u32(1, dims.stride).u32(2, dims.ropeHeads).u32(3, half);
    return new Rope(call, dims.ropeHeads * half);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.u32(0, rows).dispatch1d(pass, rows * this.perRow);
  }

  destroy(): void {
    this.call.destroy();
  }
}
