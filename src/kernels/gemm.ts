import type { GpuContext } from '../gpu/context.js';
import kernel from '../../shaders/gemm.wgsl?raw';
import { KernelCall, type Bind } from './call.js';
import { kChunks } from './k-chunks.js';
import { withLaneMatmul } from './lane-matmul.js';
import type { MatrixLayout } from './packing.js';

/** Rows per invocation of gemm_direct (its ROWS override). */
const DIRECT_ROWS = 16;

/**
 * Prefill matmul: out[M, N] = a[M, K] . w[K, N], any M up to the buffers' rows.
 * The variant and tile shape come from the adapter's tuning (src/gpu/tuning.ts).
 */
export class Gemm {
  private constructor(
    private readonly call: KernelCall,
    private readonly layout: MatrixLayout,
    private readonly tile: { x: number; y: number; rowsPerThread: number; tiled: boolean; lanes: number },
  ) {}

  static async create(ctx: GpuContext, layout: MatrixLayout, a: Bind, w: Bind, out: Bind, label = 'gemm'): Promise<Gemm> {
    const t = ctx.tuning.gemm;
    const entry = t.variant === 'tiled' ? 'gemm_tiled' : 'gemm_direct';
    const pipeline = await ctx.pipelines.get('gemm', withLaneMatmul(kernel, ctx.tuning.activations), entry, {
      W_F16: layout.dtype === 'f16' ? 1 : 0,
      WG_X: t.workgroupX,
      WG_Y: t.workgroupY,
      TILE_K: t.tileK,
      LANES: ctx.tuning.gemv.lanes,
      ROWS: DIRECT_ROWS,
    });
    const tiled = t.variant === 'tiled';
    const { kc, chunks } = kChunks(layout.K, layout.N, ctx.tuning);
    if (!tiled && chunks > 1) throw new RangeError(`gemm_direct sums K in one chunk; this adapter's GEMV sums ${chunks} (tune gemm 'tiled' with gemv 'splitk')`);
    const call = new KernelCall(ctx, pipeline, label, 5, [a, w, out]);
    call.u32(1, layout.K).u32(2, layout.N).u32(3, layout.rowWords / 4).u32(4, kc);
    return new Gemm(call, layout, { x: t.workgroupX, y: tiled ? t.workgroupY : 1, rowsPerThread: tiled ? 4 : DIRECT_ROWS, tiled, lanes: ctx.tuning.gemv.lanes });
  }

  encode(pass: GPUComputePassEncoder, M: number): void {
    const { x, y, rowsPerThread, tiled, lanes } = this.tile;
    // Tiled: one invocation per 8 contiguous columns. Direct: lane groups of `lanes`
    // invocations share 8 * lanes interleaved columns.
    const invocations = tiled ? Math.ceil(this.layout.N / 8) : Math.ceil(this.layout.N / (8 * lanes)) * lanes;
    this.call.u32(0, M);
    if (tiled) this.call.dispatch(pass, Math.ceil(invocations / x), Math.ceil(M / (rowsPerThread * y)));
    else this.call.dispatch(pass, Math.ceil(M / rowsPerThread), Math.ceil(invocations / x)); // rows in x: see gemm_direct
  }

  destroy(): void {
    this.call.destroy();
  }
}
