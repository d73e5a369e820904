import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/bias_add.wgsl?raw';
import { type Bind, type CallFor, KernelCall } from './call.js';
import type { KernelSet } from './kernel-set.js';
import { uniforms } from './uniforms.js';

const PARAMS = uniforms('bias_add.wgsl', code, { rows: 'u32', N: 'u32' });

/** x[t, :] += bias for each of the step's rows, in place; x [rows, N], bias [N]. */
export class BiasAdd {
  private constructor(
    private readonly call: CallFor<typeof PARAMS>,
    private readonly N: number,
  ) {}

  static async create(ctx: GpuContext, _kernels: KernelSet, N: number, x: Bind, bias: Bind): Promise<BiasAdd> {
    // Four columns per invocation when N allows: a quarter of the accesses.
    const entry = N % 4 === 0 ? 'bias_add4' : 'bias_add';
    const pipeline = await ctx.pipelines.get('bias_add', code, entry);
    return new BiasAdd(new KernelCall(ctx, pipeline, entry, PARAMS, [x, bias]).set('N', N), N);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.set('rows', rows);
    if (this.N % 4 !== 0) return this.call.dispatch1d(pass, rows * this.N);
    this.call.dispatchRows(pass, this.N / 4, rows);
  }

  destroy(): void {
    this.call.destroy();
  }
}
