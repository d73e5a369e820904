import type { GpuContext } from '../gpu/context.js';
import kernel from '../../shaders/gemv.wgsl?raw';
import { KernelCall, type Bind } from './call.js';
import { withLaneMatmul } from './lane-matmul.js';
import type { MatrixLayout } from './packing.js';

/** Row counts a GEMV pipeline is compiled for; B rows use the smallest bucket >= B. */
export const GEMV_BUCKETS = [1, 2, 4, 8, 16] as const;
/** Rows one GEMV step accepts, all reading the weights once: the largest bucket. */
export const GEMV_MAX_ROWS = GEMV_BUCKETS[GEMV_BUCKETS.length - 1]!;

/**
 * Decode matmul: out[B, N] = x[B, K] . w[K, N] for B <= 16. The accumulators
 * live in named registers (see gemv.wgsl), so the row count is compiled in:
 * one pipeline per bucket, all made in create(); the decode loop only picks.
 */
export class Gemv {
  private constructor(
    private readonly calls: Map<number, KernelCall>,
    private readonly layout: MatrixLayout,
    private readonly lanes: number,
    private readonly workgroup: number,
  ) {}

  static async create(ctx: GpuContext, layout: MatrixLayout, x: Bind, w: Bind, out: Bind, maxRows: number, label = 'gemv'): Promise<Gemv> {
    if (maxRows < 1 || maxRows > GEMV_MAX_ROWS) throw new RangeError(`gemv rows must be 1..${GEMV_MAX_ROWS}, got ${maxRows}`);
    const t = ctx.tuning.gemv;
    const buckets = GEMV_BUCKETS.filter((b, i) => i === 0 || GEMV_BUCKETS[i - 1]! < maxRows);
    const calls = new Map<number, KernelCall>();
    for (const b of buckets) {
      const code = withLaneMatmul(kernel, ctx.tuning.activations);
      const pipeline = await ctx.pipelines.get('gemv', code, 'gemv', { W_F16: layout.dtype === 'f16' ? 1 : 0, ROWS: b, LANES: t.lanes, WG: t.workgroupSize });
      const call = new KernelCall(ctx, pipeline, `${label}.b${b}`, 4, [x, w, out]);
      call.u32(1, layout.K).u32(2, layout.N).u32(3, layout.rowWords);
      calls.set(b, call);
    }
    return new Gemv(calls, layout, t.lanes, t.workgroupSize);
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    const bucket = GEMV_BUCKETS.find((b) => b >= rows) ?? GEMV_MAX_ROWS;
    const call = this.calls.get(bucket);
    if (!call || rows > GEMV_MAX_ROWS) throw new RangeError(`gemv built for at most ${Math.max(...this.calls.keys())} rows, got ${rows}`);
    // Each lane group covers 8 * LANES columns.
    const invocations = Math.ceil(this.layout.N / (8 * this.lanes)) * this.lanes;
    call.u32(0, rows);
    call.dispatch(pass, Math.ceil(invocations / this.workgroup));
  }

  destroy(): void {
    for (const c of this.calls.values()) c.destroy();
  }
}
