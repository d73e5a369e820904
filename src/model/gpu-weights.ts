import { LimitExceededError } from '../errors.js';
import type { GpuContext } from '../gpu/context.js';
import { packsShiftedF16, type KernelSet } from '../kernels/kernel-set.js';
import type { WeightDtype } from '../numeric/dtype.js';
import { type MatrixLayout, packMatrix, packTable } from '../kernels/packing.js';
import { qkvWidth } from './config.js';
import type { ModelWeights } from './weights.js';
import { maxBindingBytes } from './limits.js';

export interface GpuMatrix {
  layout: MatrixLayout;
  buffer: GPUBuffer;
}

export interface GpuLayer {
  attnNorm: GPUBuffer;
  wqkv: GpuMatrix;
  wo: GpuMatrix;
  mlpNorm: GPUBuffer;
  wGateUp: GpuMatrix;
  wDown: GpuMatrix;
  bqkv?: GPUBuffer;
  qNorm?: GPUBuffer;
  kNorm?: GPUBuffer;
}

/** A model's weights uploaded once, packed for the kernels (f32, or f16 pairs in u32). */
export class GpuWeights {
  readonly dtype: WeightDtype;
  readonly embed: GPUBuffer;
  readonly embedRowWords: number;
  readonly layers: GpuLayer[];
  readonly finalNorm: GPUBuffer;
  readonly lmHead: GpuMatrix;
  /** Bytes of the matrices each decode step reads. */
  readonly matrixBytes: number;
  private readonly all: GPUBuffer[] = [];

  constructor(ctx: GpuContext, kernels: KernelSet, w: ModelWeights) {
    this.dtype = w.dtype;
    const c = w.config;
    const maxBinding = maxBindingBytes(ctx.device.limits);
    const upload = (label: string, data: ArrayBufferView) => {
      if (data.byteLength > maxBinding)
        throw new LimitExceededError('maxStorageBufferBindingSize', data.byteLength, maxBinding, `Weight '${label}'`);
      const b = ctx.storage(label, data.byteLength, data);
      this.all.push(b);
      return b;
    };
    let bytes = 0;
    const shiftF16 = packsShiftedF16(kernels);
    const matrix = (label: string, values: Float32Array, K: number, N: number): GpuMatrix => {
      const { layout, words } = packMatrix(values, K, N, w.dtype, shiftF16);
      bytes += words.byteLength;
      return { layout, buffer: upload(label, words) };
    };
    const table = packTable(w.embed, c.vocab, c.dModel, w.dtype);
    this.embed = upload('embed', table.words);
    this.embedRowWords = table.rowWords;
    this.layers = w.layers.map((l, i) => ({
      attnNorm: upload(`l${i}.attnNorm`, l.attnNorm),
      wqkv: matrix(`l${i}.wqkv`, l.wqkv, c.dModel, qkvWidth(c)),
      wo: matrix(`l${i}.wo`, l.wo, c.heads * c.headDim, c.dModel),
      mlpNorm: upload(`l${i}.mlpNorm`, l.mlpNorm),
      wGateUp: matrix(`l${i}.wGateUp`, l.wGateUp, c.dModel, 2 * c.ffnDim),
      wDown: matrix(`l${i}.wDown`, l.wDown, c.ffnDim, c.dModel),
      ...(l.bqkv && { bqkv: upload(`l${i}.bqkv`, l.bqkv) }),
      ...(l.qNorm && { qNorm: upload(`l${i}.qNorm`, l.qNorm) }),
      ...(l.kNorm && { kNorm: upload(`l${i}.kNorm`, l.kNorm) }),
    }));
    this.finalNorm = upload('finalNorm', w.finalNorm);
    this.lmHead = matrix('lmHead', w.lmHead, c.dModel, c.vocab);
    this.matrixBytes = bytes;
  }

  destroy(): void {
    for (const b of this.all) b.destroy();
  }
}
