import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/attention.wgsl?raw';
import { KernelCall, type Bind } from './call.js';
import type { PagedKvLayout } from './kv_write.js';

/** Workgroup size of the per-invocation form (its WG_INV). */
const INVOCATION_WG = 16;

/**
 * Causal GQA attention of `rows` new tokens over their sequences' paged cache:
 * the prompt case (rows 0..T-1 of one sequence), decode (one row per sequence)
 * and chunked prefill alike. out [rows, H*Dh].
 */
export class Attention {
  private constructor(
    private readonly call: KernelCall,
    private readonly heads: number,
    private readonly perWorkgroup: boolean,
    private readonly headsPerInvocation: number,
  ) {}

  static async create(
    ctx: GpuContext,
    dims: { heads: number; kvHeads: number; headDim: number; qkvStride: number },
    kv: PagedKvLayout,
    bufs: { qkv: Bind; positions: Bind; seqs: Bind; blockTable: Bind; cache: Bind; out: Bind },
  ): Promise<Attention> {
    const perWorkgroup = ctx.tuning.attention === 'workgroup';
    const entry = perWorkgroup ? 'attention_wg' : 'attention';
    // The per-invocation form holds a head in registers unrolled for its width, and
    // serves two query heads at once where they share a key/value head.
    const headsPerInvocation = !perWorkgroup && (dims.heads / dims.kvHeads) % 2 === 0 ? 2 : 1;
    const pipeline = await ctx.pipelines.get(
      'attention',
      code,
      entry,
      perWorkgroup ? {} : { HEAD_V4: dims.headDim / 4, HEADS_PER: headsPerInvocation, WG_INV: INVOCATION_WG },
    );
    const call = new KernelCall(ctx, pipeline, entry, 10, [bufs.qkv, bufs.positions, bufs.seqs, bufs.blockTable, bufs.cache, bufs.out]);
    call
      .u32(1, dims.heads)
      .u32(2, dims.heads / dims.kvHeads)
      .u32(3, dims.headDim)
      .u32(4, dims.qkvStride)
      .u32(5, kv.kvWidth)
      .u32(6, kv.blockSize)
      .u32(7, kv.blocksPerSeq)
      .u32(8, kv.capacity)
      .f32(9, 1 / Math.sqrt(dims.headDim));
    return new Attention(call, dims.heads, perWorkgroup, headsPerInvocation);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    // One workgroup per (row, query head), or one invocation per (row, one or two query heads).
    this.call.u32(0, rows).dispatch1d(pass, (rows * this.heads) / this.headsPerInvocation, this.perWorkgroup ? 1 : INVOCATION_WG);
  }

  destroy(): void {
    this.call.destroy();
  }
}
