import type { GpuContext } from '../gpu/context.js';
import type { PagedKvLayout } from '../kernels/kv_write.js';
import type { ModelConfig } from './config.js';

export const KV_BLOCK_SIZE = 16;

/**
 * The KV cache on the GPU: per layer one buffer of [2, capacity, Hkv*Dh] f32
 * (keys, then values), and one block table [seqSlots, blocksPerSeq] shared by
 * all layers. Kernels always read through the table, so how blocks are handed
 * out is the caller's business; by default sequence slot s owns the contiguous
 * blocks s*blocksPerSeq .. (s+1)*blocksPerSeq-1, a full context each.
 */
export class GpuKvCache {
  readonly layout: PagedKvLayout;
  readonly layers: GPUBuffer[];
  readonly blockTable: GPUBuffer; // u32 [seqSlots, blocksPerSeq]
  readonly bytes: number;

  constructor(
    private readonly ctx: GpuContext,
    config: ModelConfig,
    readonly seqSlots: number,
    totalBlocks = seqSlots * Math.ceil(config.contextLength / KV_BLOCK_SIZE),
  ) {
    const blocksPerSeq = Math.ceil(config.contextLength / KV_BLOCK_SIZE);
    const kvWidth = config.kvHeads * config.headDim;
    this.layout = { kvWidth, blockSize: KV_BLOCK_SIZE, blocksPerSeq, capacity: totalBlocks * KV_BLOCK_SIZE };
    const layerBytes = 2 * this.layout.capacity * kvWidth * 4;
    this.bytes = layerBytes * config.layers;
    this.layers = Array.from({ length: config.layers }, (_, l) => ctx.storage(`kv.layer${l}`, layerBytes));
    const table = new Uint32Array(seqSlots * blocksPerSeq);
    for (let i = 0; i < table.length; i++) table[i] = i % totalBlocks;
    this.blockTable = ctx.storage('kv.blockTable', table.byteLength, table);
  }

  /** Points sequence slot `seq`'s table row at `blocks` (positions b*16.. live in blocks[b]). */
  setBlocks(seq: number, blocks: ArrayLike<number>): void {
    if (blocks.length > this.layout.blocksPerSeq) throw new RangeError(`a sequence holds at most ${this.layout.blocksPerSeq} blocks`);
    const row = Uint32Array.from(blocks);
    this.ctx.device.queue.writeBuffer(this.blockTable, seq * this.layout.blocksPerSeq * 4, row);
  }

  destroy(): void {
    for (const b of this.layers) b.destroy();
    this.blockTable.destroy();
  }
}
