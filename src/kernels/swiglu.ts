import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/swiglu.wgsl?raw';
import { type Bind, type CallFor, KernelCall } from './call.js';
import type { KernelSet } from './kernel-set.js';
import { uniforms } from './uniforms.js';

const PARAMS = uniforms('swiglu.wgsl', code, { rows: 'u32', F: 'u32' });

/** out[t, i] = silu(gu[t, i]) * gu[t, F + i]; gu [rows, 2F], out [rows, F]. */
export class SwiGlu {
  private constructor(
    private readonly call: CallFor<typeof PARAMS>,
    private readonly F: number,
  ) {}

  static async create(ctx: GpuContext, kernels: KernelSet, F: number, gu: Bind, out: Bind): Promise<SwiGlu> {
    // Four columns per invocation, one row per workgroup row, when F allows (every preset's does).
    const entry = F % 4 === 0 ? 'swiglu4' : 'swiglu';
    const pipeline = await ctx.pipelines.get('swiglu', code, entry);
    return new SwiGlu(new KernelCall(ctx, pipeline, entry, PARAMS, [gu, out]).set('F', F), F);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.set('rows', rows);
    if (this.F % 4 !== 0) return this.call.dispatch1d(pass, rows * this.F);
    this.call.dispatchRows(pass, this.F / 4, rows);
  }

  destroy(): void {
    this.call.destroy();
  }
}
