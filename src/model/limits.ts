import { LimitExceededError } from '../errors.js';
import { matrixBytes, matrixLayout } from '../kernels/packing.js';
import { KV_BLOCK_SIZE } from './kv-cache.js';
import { type ModelConfig, qkvWidth } from './config.js';
import type { WeightDtype } from '../numeric/dtype.js';

/** The device limits the model's buffers must fit (a subset of GPUSupportedLimits). */
export type BufferLimits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>;

/** The largest buffer one storage binding can hold on this device. */
export function maxBindingBytes(limits: BufferLimits): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}

/**
 * Checks, before anything is allocated, that every buffer the model needs
 * (each weight matrix, a layer of a KV cache of kvBlocks blocks, each activation for maxRows rows)
 * fits one storage binding on this device. Throws LimitExceededError naming
 * the first one that does not.
 */
export function checkFitsDevice(c: ModelConfig, dtype: WeightDtype, limits: BufferLimits, kvBlocks: number, maxRows: number): void {
  const allowed = maxBindingBytes(limits);
  const need = (what: string, bytes: number) => {
    if (bytes > allowed) throw new LimitExceededError('maxStorageBufferBindingSize', bytes, allowed, what);
  };
  const matrix = (what: string, K: number, N: number) => need(`Weight matrix ${what} [${K}, ${N}]`, matrixBytes(matrixLayout(K, N, dtype)));
  need(`Embedding table [${c.vocab}, ${c.dModel}]`, c.vocab * c.dModel * (dtype === 'f16' ? 2 : 4));
  matrix('qkv', c.dModel, qkvWidth(c));
  matrix('o_proj', c.heads * c.headDim, c.dModel);
  matrix('gate|up', c.dModel, 2 * c.ffnDim);
  matrix('down_proj', c.ffnDim, c.dModel);
  matrix('lm_head', c.dModel, c.vocab);
  need(`One layer of KV cache (${kvBlocks * KV_BLOCK_SIZE} positions)`, 2 * kvBlocks * KV_BLOCK_SIZE * c.kvHeads * c.headDim * 4);
  const widest = Math.max(c.dModel, qkvWidth(c), 2 * c.ffnDim, c.vocab, c.heads * c.headDim);
  need(`Activations for ${maxRows} rows`, maxRows * widest * 4);
}
