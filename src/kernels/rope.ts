import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/rope.wgsl?raw';
import { type Bind, type CallFor, KernelCall } from './call.js';
import type { KernelSet } from './kernel-set.js';
import { uniforms } from './uniforms.js';

const PARAMS = uniforms('rope.wgsl', code, { rows: 'u32', stride: 'u32', ropeHeads: 'u32', half: 'u32' });

/** Rotates, in place, the first `ropeHeads` heads of each row of x [rows, stride] by its position. */
export class Rope {
  private constructor(
    private readonly call: CallFor<typeof PARAMS>,
    private readonly perRow: number, // pairs per row
    private readonly vec4: boolean,
  ) {}

  static async create(
    ctx: GpuContext,
    kernels: KernelSet,
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
    const call = new KernelCall(ctx, pipeline, entry, PARAMS, [x, positions, cos, sin]);
    call.set('stride', dims.stride).set('ropeHeads', dims.ropeHeads).set('half', half);
    return new Rope(call, dims.ropeHeads * half, vec4);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.set('rows', rows);
    if (!this.vec4) return this.call.dispatch1d(pass, rows * this.perRow);
    this.call.dispatchRows(pass, this.perRow / 4, rows);
  }

  destroy(): void {
    this.call.destroy();
  }
}
