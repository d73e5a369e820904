import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/rmsnorm.wgsl?raw';
import { type Bind, type CallFor, KernelCall } from './call.js';
import type { KernelSet } from './kernel-set.js';
import { uniforms } from './uniforms.js';

const PARAMS = uniforms('rmsnorm.wgsl', code, { rows: 'u32', D: 'u32', eps: 'f32' });

/**
 * out[r, :] = rmsnorm(x[r, :]) * gain. With `rowIndex`, row r reads
 * x[rowIndex[r], :] instead: the final norm gathers only the rows whose
 * logits are wanted (the last prompt token, each decoding sequence).
 */
export class RmsNorm {
  private constructor(
    private readonly call: CallFor<typeof PARAMS>,
    private readonly perWorkgroup: boolean,
  ) {}

  static async create(
    ctx: GpuContext,
    kernels: KernelSet,
    D: number,
    eps: number,
    x: Bind,
    gain: Bind,
    out: Bind,
    rowIndex?: Bind,
  ): Promise<RmsNorm> {
    const perWorkgroup = kernels.rmsnorm === 'workgroup';
    // One invocation per row reads vec4s when D allows (every preset's does): a quarter of the accesses.
    const entry = `${rowIndex ? 'rmsnorm_gather' : 'rmsnorm'}${perWorkgroup ? '_wg' : D % 4 === 0 ? '4' : ''}`;
    const pipeline = await ctx.pipelines.get('rmsnorm', code, entry);
    const call = new KernelCall(ctx, pipeline, entry, PARAMS, rowIndex ? [x, gain, out, rowIndex] : [x, gain, out]);
    return new RmsNorm(call.set('D', D).set('eps', eps), perWorkgroup);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    // One invocation, or one workgroup, per row.
    this.call.set('rows', rows).dispatch1d(pass, rows, this.perWorkgroup ? 1 : 64);
  }

  destroy(): void {
    this.call.destroy();
  }
}
