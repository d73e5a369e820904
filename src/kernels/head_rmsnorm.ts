import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/head_rmsnorm.wgsl?raw';
import { type Bind, type CallFor, KernelCall } from './call.js';
import type { KernelSet } from './kernel-set.js';
import { uniforms } from './uniforms.js';

const PARAMS = uniforms('head_rmsnorm.wgsl', code, {
  rows: 'u32',
  stride: 'u32',
  qHeads: 'u32',
  kHeads: 'u32',
  Dh: 'u32',
  eps: 'f32',
});

/**
 * Qwen3's per-head RMSNorm of queries and keys, in place on the Q|K|V rows: the first
 * qHeads heads of each row with qGain, the next kHeads with kGain.
 */
export class HeadRmsNorm {
  private constructor(
    private readonly call: CallFor<typeof PARAMS>,
    private readonly perRow: number,
  ) {}

  static async create(
    ctx: GpuContext,
    _kernels: KernelSet,
    dims: { stride: number; qHeads: number; kHeads: number; headDim: number; eps: number },
    x: Bind,
    qGain: Bind,
    kGain: Bind,
  ): Promise<HeadRmsNorm> {
    const pipeline = await ctx.pipelines.get('head_rmsnorm', code, 'head_rmsnorm');
    const call = new KernelCall(ctx, pipeline, 'head_rmsnorm', PARAMS, [x, qGain, kGain]);
    call.set('stride', dims.stride).set('qHeads', dims.qHeads).set('kHeads', dims.kHeads).set('Dh', dims.headDim).set('eps', dims.eps);
    return new HeadRmsNorm(call, dims.qHeads + dims.kHeads);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.set('rows', rows).dispatch1d(pass, rows * this.perRow);
  }

  destroy(): void {
    this.call.destroy();
  }
}
