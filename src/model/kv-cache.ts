import type { GpuContext } from '../gpu/context.js';
import type { PagedKvLayout } from '../kernels/kv_write.js';
import type { ModelConfig } from './config.js';

export const KV_BLOCK_SIZE = 16;

/** GPU bytes one block of KV_BLOCK_SIZE positions takes: keys and values, f32, every layer. */
export function kvBlockBytes(config: ModelConfig): number {
  return 2 * config.layers * config.kvHeads * config.headDim * 4 * KV_BLOCK_SIZE;
}

/** A KV cache's size: in positions (tokens) or in GPU bytes, one or neither. */
export interface KvCapacity {
  /** Positions in all, rounded up to whole blocks. */
  kvTokens?: number;
  /** GPU bytes for keys and values (what the cache's buffers take), rounded down to whole blocks. */
  kvBytes?: number;
}

/**
 * Blocks for a capacity given in tokens or in bytes; with neither, a whole context for
 * each of the maxSeqs sequence slots. Bytes round down, so the cache never takes more
 * than it was given; tokens round up, so every position asked for fits. A RangeError
 * names what is wrong: both given, a size that is not a positive number, bytes short of
 * one block.
 */
export function kvBlocksFor(config: ModelConfig, maxSeqs: number, capacity: KvCapacity = {}): number {
  const { kvTokens, kvBytes } = capacity;
  if (kvTokens !== undefined && kvBytes !== undefined)
    throw new RangeError(`give the KV capacity in tokens or in bytes, not both (kvTokens ${kvTokens}, kvBytes ${kvBytes})`);
  const positive = (name: string, v: number) => {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${v}`);
  };
  if (kvBytes !== undefined) {
    positive('kvBytes', kvBytes);
    const perBlock = kvBlockBytes(config);
    const blocks = Math.floor(kvBytes / perBlock);
    if (blocks < 1)
      throw new RangeError(
        `kvBytes ${kvBytes} holds no block: one block of ${KV_BLOCK_SIZE} positions of ${config.name} takes ${perBlock} bytes`,
      );
    return blocks;
  }
  if (kvTokens !== undefined) positive('kvTokens', kvTokens);
  return Math.ceil((kvTokens ?? maxSeqs * config.contextLength) / KV_BLOCK_SIZE);
}

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
    this.bytes = totalBlocks * kvBlockBytes(config); // layerBytes * layers: the figure kvBytes sizes
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
