import type { GpuContext } from '../gpu/context.js';
import type { WeightDtype } from '../numeric/dtype.js';
import code from '../../shaders/embedding.wgsl?raw';
import { KernelCall, type Bind } from './call.js';

/** out[t, :] = table[ids[t], :] for t < rows; table packed by packTable(). */
export class Embedding {
  private constructor(
    private readonly call: KernelCall,
    private readonly D: number,
  ) {}

  static async create(
    ctx: GpuContext,
    dtype: WeightDtype,
    D: number,
    rowWords: number,
    ids: Bind,
    table: Bind,
    out: Bind,
  ): Promise<Embedding> {
    const pipeline = await ctx.pipelines.get('embedding', code, 'embedding', { W_F16: dtype === 'f16' ? 1 : 0 });
    const call = new KernelCall(ctx, pipeline, 'embedding', 3, [ids, table, out]);
    call.u32(1, D).u32(2, rowWords);
    return new Embedding(call, D);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.u32(0, rows).dispatch1d(pass, rows * this.D);
  }

  destroy(): void {
    this.call.destroy();
  }
}
