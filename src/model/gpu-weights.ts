import { LimitExceededError } from '../errors.js';
import type { GpuContext } from '../gpu/context.js';
import { packsShiftedF16, type KernelSet } from '../kernels/kernel-set.js';
import type { WeightDtype } from '../numeric/dtype.js';
import { type MatrixLayout, packMatrix, packTable } from '../kernels/packing.js';
import { qkvWidth } from './config.js';
import type { WeightSource } from './build-weights.js';
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

/**
 * A model's weights uploaded once, packed for the kernels (f32, or f16 pairs in u32). Made
 * from a WeightSource one tensor at a time, so a model read from a file is never whole in
 * memory: each layer is read, packed, uploaded and let go before the next.
 */
export class GpuWeights {
  private constructor(
    readonly dtype: WeightDtype,
    readonly embed: GPUBuffer,
    readonly embedRowWords: number,
    readonly layers: GpuLayer[],
    readonly finalNorm: GPUBuffer,
    readonly lmHead: GpuMatrix,
    /** Bytes of the matrices each decode step reads. */
    readonly matrixBytes: number,
    private readonly all: GPUBuffer[],
  ) {}

  static async create(ctx: GpuContext, kernels: KernelSet, w: WeightSource): Promise<GpuWeights> {
    const c = w.config;
    const maxBinding = maxBindingBytes(ctx.device.limits);
    const all: GPUBuffer[] = [];
    const upload = (label: string, data: ArrayBufferView) => {
      if (data.byteLength > maxBinding)
        throw new LimitExceededError('maxStorageBufferBindingSize', data.byteLength, maxBinding, `Weight '${label}'`);
      const b = ctx.storage(label, data.byteLength, data);
      all.push(b);
      return b;
    };
    let bytes = 0;
    const shiftF16 = packsShiftedF16(kernels);
    const matrix = (label: string, values: Float32Array, K: number, N: number): GpuMatrix => {
      const { layout, words } = packMatrix(values, K, N, w.dtype, shiftF16);
      bytes += words.byteLength;
      return { layout, buffer: upload(label, words) };
    };
    try {
      const layers: GpuLayer[] = [];
      for (let i = 0; i < c.layers; i++) {
        const l = await w.layer(i);
        layers.push({
          attnNorm: upload(`l${i}.attnNorm`, l.attnNorm),
          wqkv: matrix(`l${i}.wqkv`, l.wqkv, c.dModel, qkvWidth(c)),
          wo: matrix(`l${i}.wo`, l.wo, c.heads * c.headDim, c.dModel),
          mlpNorm: upload(`l${i}.mlpNorm`, l.mlpNorm),
          wGateUp: matrix(`l${i}.wGateUp`, l.wGateUp, c.dModel, 2 * c.ffnDim),
          wDown: matrix(`l${i}.wDown`, l.wDown, c.ffnDim, c.dModel),
          ...(l.bqkv && { bqkv: upload(`l${i}.bqkv`, l.bqkv) }),
          ...(l.qNorm && { qNorm: upload(`l${i}.qNorm`, l.qNorm) }),
          ...(l.kNorm && { kNorm: upload(`l${i}.kNorm`, l.kNorm) }),
        });
      }
      const embedValues = await w.embed();
      const table = packTable(embedValues, c.vocab, c.dModel, w.dtype);
      const embed = upload('embed', table.words);
      const lmHead = matrix('lmHead', await w.lmHead(embedValues), c.dModel, c.vocab);
      const finalNorm = upload('finalNorm', await w.finalNorm());
      return new GpuWeights(w.dtype, embed, table.rowWords, layers, finalNorm, lmHead, bytes, all);
    } catch (e) {
      for (const b of all) b.destroy(); // nothing half-loaded stays on the GPU
      throw e;
    }
  }

  destroy(): void {
    for (const b of this.all) b.destroy();
  }
}
