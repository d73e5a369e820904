import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/argmax.wgsl?raw';
import { type Bind, type CallFor, KernelCall } from './call.js';
import type { KernelSet } from './kernel-set.js';
import { uniforms } from './uniforms.js';

const PARAMS = uniforms('argmax.wgsl', code, { rows: 'u32', V: 'u32' });

/** ids[r] = argmax over the vocabulary of logits[r, :], first index on a tie. */
export class Argmax {
  private constructor(private readonly call: CallFor<typeof PARAMS>) {}

  static async create(ctx: GpuContext, kernels: KernelSet, V: number, logits: Bind, ids: Bind): Promise<Argmax> {
    const pipeline = await ctx.pipelines.get('argmax', code, 'argmax');
    return new Argmax(new KernelCall(ctx, pipeline, 'argmax', PARAMS, [logits, ids]).set('V', V));
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.set('rows', rows).dispatch1d(pass, rows);
  }

  destroy(): void {
    this.call.destroy();
  }
}
