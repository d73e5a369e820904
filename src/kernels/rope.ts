import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/rope.wgsl?raw';
import { KernelCall, type Bind } from './call.js';

/** Rotates, in place, the first `ropeHeads` heads of each row of x [rows, stride] by its position. */
export class Rope {
  private constructor(
    private readonly call: KernelCall,
    private readonly perRow: number, // pairs per row
    private readonly vec4: boolean,
  ) {}

  static async create(
    ctx: GpuContext,
    dims: { stride: number; ropeHeads: number; headDim: number },
    x: Bind,
    positions: Bind,
    cos: Bind,
    sin: Bind,
  ): Promise<Rope> {
    const half = dims.headDim / 2;
    // Four pairs per invocation, one row per workgroup row, when the half head allows
    // (headDim % 8 == 0: every preset's); the stride is a whole number of vec4 since
    // headDim % 4 == 0 (validateConfig).
    const vec4 = half % 4 === 0 && dims.stride % 4 === 0;
    const entry = vec4 ? 'rope4' : 'rope';
    const pipeline = await ctx.pipelines.get('rope', code, entry);
    const call = new KernelCall(ctx, pipeline, entry, 4, [x, positions, cos, sin]);
    call.u32(1, dims.stride).u32(2, dims.ropeHeads).u32(3, half);
    return new Rope(call, dims.ropeHeads * half, vec4);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.u32(0, rows);
    if (!this.vec4) return this.call.dispatch1d(pass, rows * this.perRow);
    this.call.dispatchRows(pass, this.perRow / 4, rows);
  }

  destroy(): void {
    this.call.destroy();
  }
}
