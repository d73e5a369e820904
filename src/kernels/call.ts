import type { GpuContext } from '../gpu/context.js';
import type { UniformLayout } from './uniforms.js';

/** A buffer bound whole, or a range of one. */
export type Bind = GPUBuffer | GPUBufferBinding;

/**
 * One kernel bound to its buffers: pipeline, bind group and uniform buffer are
 * made once, at model build; dispatching allocates nothing. Uniforms are
 * written (queue.writeBuffer) only when a value changed, so a decode loop at a
 * steady batch size writes none. A call is dispatched at most once per submit:
 * its uniforms hold one value set per command buffer. Fields are set by name, as the
 * kernel's uniform layout declares them (src/kernels/uniforms.ts).
 */
export class KernelCall<F extends string = string> {
  private readonly params: GPUBuffer;
  private readonly words: Uint32Array<ArrayBuffer>;
  private readonly floats: Float32Array<ArrayBuffer>;
  private dirty = true;
  readonly bindGroup: GPUBindGroup;

  constructor(
    private readonly ctx: GpuContext,
    readonly pipeline: GPUComputePipeline,
    label: string,
    private readonly layout: UniformLayout<F>,
    /** Bindings 1, 2, ... in order; `undefined` skips a binding the entry point does not use. */
    buffers: (Bind | undefined)[],
  ) {
    const bytes = Math.ceil(layout.fields.length / 4) * 16;
    this.words = new Uint32Array(bytes / 4);
    this.floats = new Float32Array(this.words.buffer);
    this.params = ctx.device.createBuffer({
      label: `${label}.params`,
      size: bytes,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.params } }];
    buffers.forEach((b, i) => b && entries.push({ binding: i + 1, resource: 'buffer' in b ? b : { buffer: b } }));
    this.bindGroup = ctx.device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
  }

  /** Sets a uniform field (as its declared type); the buffer is rewritten at the next dispatch only if a value changed. */
  set(field: F, v: number): this {
    const i = this.layout.index[field];
    const before = this.words[i];
    if (this.layout.types[field] === 'f32') this.floats[i] = v;
    else this.words[i] = v;
    if (this.words[i] !== before) this.dirty = true;
    return this;
  }

  dispatch(pass: GPUComputePassEncoder, x: number, y = 1): void {
    if (this.dirty) {
      this.ctx.device.queue.writeBuffer(this.params, 0, this.words);
      this.dirty = false;
    }
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(x, y);
  }

  /**
   * One workgroup row per data row: `perRow` invocations across (x), `rows` down (y), so
   * a kernel reads its row from gid.y instead of dividing (SwiftShader divides a lane at
   * a time). A step past the 65,535 workgroup rows a dispatch may have is refused.
   */
  dispatchRows(pass: GPUComputePassEncoder, perRow: number, rows: number, workgroup = 64): void {
    if (rows > 65535)
      throw new RangeError(`${this.bindGroup.label}: ${rows} rows in one step, past the 65,535 workgroup rows a dispatch may have`);
    this.dispatch(pass, Math.max(1, Math.ceil(perRow / workgroup)), rows);
  }

  /**
   * Dispatches n invocations of a 1D kernel of `workgroup` lanes, folded into y past the
   * 65,535 x limit (the shaders rebuild the index as gid.y * 65535 * workgroup + gid.x).
   * Computes the grid in place: nothing is allocated per step.
   */
  dispatch1d(pass: GPUComputePassEncoder, n: number, workgroup = 64): void {
    const groups = Math.max(1, Math.ceil(n / workgroup));
    if (groups <= 65535) this.dispatch(pass, groups);
    else this.dispatch(pass, 65535, Math.ceil(groups / 65535));
  }

  destroy(): void {
    this.params.destroy();
  }
}

/** The KernelCall of a uniform layout: `CallFor<typeof PARAMS>` sets exactly PARAMS's fields. */
export type CallFor<L> = L extends UniformLayout<infer F> ? KernelCall<F> : never;
