import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/kv_write.wgsl?raw';
import { type Bind, type CallFor, KernelCall } from './call.js';
import type { KernelSet } from './kernel-set.js';
import { uniforms } from './uniforms.js';

const PARAMS = uniforms('kv_write.wgsl', code, {
  rows: 'u32',
  qkvStride: 'u32',
  kOffset: 'u32',
  kvWidth: 'u32',
  blockSize: 'u32',
  blocksPerSeq: 'u32',
  capacity: 'u32',
});

/**
 * Where keys and values live: a layer's cache buffer holds `capacity` token
 * slots of keys, then as many of values; slots come in blocks of `blockSize`,
 * and each sequence slot owns a row of `blocksPerSeq` entries in the block
 * table naming which blocks hold its positions.
 */
export interface PagedKvLayout {
  kvWidth: number; // Hkv * Dh floats per token for keys (and again for values)
  blockSize: number;
  blocksPerSeq: number;
  capacity: number; // token slots = blocks * blockSize
}

/** Writes each row's key and value (columns kOffset.. of qkv) into its sequence's cache slots. */
export class KvWrite {
  private constructor(
    private readonly call: CallFor<typeof PARAMS>,
    private readonly kvWidth: number,
  ) {}

  static async create(
    ctx: GpuContext,
    kernels: KernelSet,
    kv: PagedKvLayout,
    qkvStride: number,
    kOffset: number,
    bufs: { qkv: Bind; positions: Bind; seqs: Bind; blockTable: Bind; cache: Bind },
  ): Promise<KvWrite> {
    if ([kv.kvWidth, qkvStride, kOffset].some((v) => v % 4 !== 0))
      throw new RangeError(
        `kv_write copies vec4s: kvWidth ${kv.kvWidth}, qkvStride ${qkvStride} and kOffset ` +
          `${kOffset} must be multiples of 4 (headDim % 4 == 0 makes them so)`,
      );
    const pipeline = await ctx.pipelines.get('kv_write', code, 'kv_write');
    const call = new KernelCall(ctx, pipeline, 'kv_write', PARAMS, [bufs.qkv, bufs.positions, bufs.seqs, bufs.blockTable, bufs.cache]);
    call.set('qkvStride', qkvStride).set('kOffset', kOffset).set('kvWidth', kv.kvWidth);
    call.set('blockSize', kv.blockSize).set('blocksPerSeq', kv.blocksPerSeq).set('capacity', kv.capacity);
    return new KvWrite(call, kv.kvWidth);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    // Four values per invocation (a vec4), one row per workgroup row.
    this.call.set('rows', rows).dispatchRows(pass, this.kvWidth / 4, rows);
  }

  destroy(): void {
    this.call.destroy();
  }
}
