import type { GpuContext } from '../gpu/context.js';
import type { WeightDtype } from '../numeric/dtype.js';
import code from '../../shaders/embedding.wgsl?raw';
import { type Bind, type CallFor, KernelCall } from './call.js';
import type { KernelSet } from './kernel-set.js';
import { uniforms } from './uniforms.js';

const PARAMS = uniforms('embedding.wgsl', code, { rows: 'u32', D: 'u32', rowWords: 'u32' });

/** out[t, :] = table[ids[t], :] for t < rows; table packed by packTable(). */
export class Embedding {
  private constructor(
    private readonly call: CallFor<typeof PARAMS>,
    private readonly D: number,
  ) {}

  static async create(
    ctx: GpuContext,
    kernels: KernelSet,
    dtype: WeightDtype,
    D: number,
    rowWords: number,
    ids: Bind,
    table: Bind,
    out: Bind,
  ): Promise<Embedding> {
    const pipeline = await ctx.pipelines.get('embedding', code, 'embedding', { W_F16: dtype === 'f16' ? 1 : 0 });
    const call = new KernelCall(ctx, pipeline, 'embedding', PARAMS, [ids, table, out]).set('D', D).set('rowWords', rowWords);
    return new Embedding(call, D);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.set('rows', rows).dispatch1d(pass, rows * this.D);
  }

  destroy(): void {
    this.call.destroy();
  }
}
