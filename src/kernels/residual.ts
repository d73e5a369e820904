import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/residual.wgsl?raw';
import { type Bind, type CallFor, KernelCall } from './call.js';
import type { KernelSet } from './kernel-set.js';
import { uniforms } from './uniforms.js';

const PARAMS = uniforms('residual.wgsl', code, { n: 'u32' });

/** x[rows, D] += y[rows, D], in place: the residual stream. */
export class Residual {
  private constructor(
    private readonly call: CallFor<typeof PARAMS>,
    /** What one row holds in the units the kernel reads: D values, or D / 4 vec4s. */
    private readonly perRow: number,
  ) {}

  static async create(ctx: GpuContext, kernels: KernelSet, D: number, x: Bind, y: Bind): Promise<Residual> {
    // Whole rows of vec4 when D allows (every preset's does): a quarter of the accesses.
    const entry = D % 4 === 0 ? 'residual4' : 'residual';
    const pipeline = await ctx.pipelines.get('residual', code, entry);
    return new Residual(new KernelCall(ctx, pipeline, entry, PARAMS, [x, y]), D % 4 === 0 ? D / 4 : D);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.set('n', rows * this.perRow).dispatch1d(pass, rows * this.perRow);
  }

  destroy(): void {
    this.call.destroy();
  }
}
