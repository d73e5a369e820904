import type { GpuContext } from '../gpu/context.js';
import code from '../../shaders/argmax.wgsl?raw';
import { KernelCall, type Bind } from './call.js';

/** ids[r] = argmax over the vocabulary of logits[r, :], first index on a tie. */
export class Argmax {
  private constructor(private readonly call: KernelCall) {}

  static async create(ctx: GpuContext, V: number, logits: Bind, ids: Bind): Promise<Argmax> {
    const pipeline = await ctx.pipelines.get('argmax', code, 'argmax');
    const call = new KernelCall(ctx, pipeline, 'argmax', 2, [logits, ids]);
    call.u32(1, V);
    return new Argmax(call);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    this.call.u32(0, rows).dispatch1d(pass, rows);
  }

  destroy(): void {
    this.call.destroy();
  }
}
