import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/attention.wgsl?raw';
import { type Bind, type CallFor, KernelCall } from './call.js';
import type { KernelSet } from './kernel-set.js';
import { uniforms } from './uniforms.js';
import type { PagedKvLayout } from './kv_write.js';

const PARAMS = uniforms('attention.wgsl', code, {
  rows: 'u32',
  heads: 'u32',
  group: 'u32',
  headDim: 'u32',
  qkvStride: 'u32',
  kvWidth: 'u32',
  blockSize: 'u32',
  blocksPerSeq: 'u32',
  capacity: 'u32',
  scale: 'f32',
});

/** Workgroup size of the per-invocation form (its WG_INV). */
const INVOCATION_WG = 16;

/**
 * Causal GQA attention of `rows` new tokens over their sequences' paged cache:
 * the prompt case (rows 0..T-1 of one sequence), decode (one row per sequence)
 * and chunked prefill alike. out [rows, H*Dh].
 */
export class Attention {
  private constructor(
    private readonly call: CallFor<typeof PARAMS>,
    private readonly heads: number,
    private readonly perWorkgroup: boolean,
    private readonly headsPerInvocation: number,
  ) {}

  static async create(
    ctx: GpuContext,
    kernels: KernelSet,
    dims: { heads: number; kvHeads: number; headDim: number; qkvStride: number },
    kv: PagedKvLayout,
    bufs: { qkv: Bind; positions: Bind; seqs: Bind; blockTable: Bind; cache: Bind; out: Bind },
  ): Promise<Attention> {
    const perWorkgroup = kernels.attention === 'workgroup';
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
    const call = new KernelCall(ctx, pipeline, entry, PARAMS, [bufs.qkv, bufs.positions, bufs.seqs, bufs.blockTable, bufs.cache, bufs.out]);
    call
      .set('heads', dims.heads)
      .set('group', dims.heads / dims.kvHeads)
      .set('headDim', dims.headDim)
      .set('qkvStride', dims.qkvStride);
    call.set('kvWidth', kv.kvWidth).set('blockSize', kv.blockSize).set('blocksPerSeq', kv.blocksPerSeq).set('capacity', kv.capacity);
    call.set('scale', 1 / Math.sqrt(dims.headDim));
    return new Attention(call, dims.heads, perWorkgroup, headsPerInvocation);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    // One workgroup per (row, query head), or one invocation per (row, one or two query heads).
    this.call.set('rows', rows).dispatch1d(pass, (rows * this.heads) / this.headsPerInvocation, this.perWorkgroup ? 1 : INVOCATION_WG);
  }

  destroy(): void {
    this.call.destroy();
  }
}
