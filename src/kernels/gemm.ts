import type { GpuContext } from '../gpu/context.js';
import kernel from '../../shaders/gemm.wgsl?raw';
import { KernelCall, type Bind } from './call.js';
import { kChunks } from './k-chunks.js';
import { withLaneMatmul } from './lane-matmul.js';
import type { MatrixLayout } from './packing.js';

/**
 * Prefill matmul: out[M, N] = a[M, K] . w[K, N], any M up to the buffers' rows.
 * The variant and tile shape come from the adapter's tuning (src/gpu/tuning.ts).
 */
export class Gemm {
  private constructor(
    private readonly call: KernelCall,
    private readonly layout: MatrixLayout,
    /** x, y: workgroup size; rows: rows per invocation; columns: columns per invocation (a lane group's share under direct). */
    private readonly tile: { x: number; y: number; rows: number; columns: number; tiled: boolean; lanes: number },
  ) {}

  static async create(ctx: GpuContext, layout: MatrixLayout, a: Bind, w: Bind, out: Bind, label = 'gemm'): Promise<Gemm> {
    const t = ctx.tuning.gemm;
    const tiled = t.variant === 'tiled';
    const blocks = tiled ? 1 : t.directBlocks;
    // Two blocks per lane halve the invocations: halve the workgroup too, so SwiftShader
    // (a workgroup per worker thread) keeps as many workgroups (as the GEMV does).
    const x = tiled ? t.workgroupX : Math.max(1, Math.floor(t.workgroupX / blocks));
    const pipeline = await ctx.pipelines.get('gemm', withLaneMatmul(kernel, ctx.tuning.activations), tiled ? 'gemm_tiled' : 'gemm_direct', {
      W_F16: layout.dtype === 'f16' ? 1 : 0,
      WG_X: x,
      WG_Y: t.workgroupY,
      TILE_K: t.tileK,
      LANES: ctx.tuning.gemv.lanes,
      ROWS: t.directRows,
      BLOCKS: blocks,
    });
    const { kc, chunks } = kChunks(layout.K, layout.N, ctx.tuning);
    if (!tiled && chunks > 1) throw new RangeError(`gemm_direct sums K in one chunk; this adapter's GEMV sums ${chunks} (tune gemm 'tiled' with gemv 'splitk')`);
    const call = new KernelCall(ctx, pipeline, label, 5, [a, w, out]);
    call.u32(1, layout.K).u32(2, layout.N).u32(3, layout.rowWords / 4).u32(4, kc);
    return new Gemm(call, layout, { x, y: tiled ? t.workgroupY : 1, rows: tiled ? 4 : t.directRows, columns: 8 * blocks, tiled, lanes: ctx.tuning.gemv.lanes });
  }

  encode(pass: GPUComputePassEncoder, M: number): void {
    const { x, y, rows, columns, tiled, lanes } = this.tile;
    // Tiled: one invocation per 8 contiguous columns. Direct: lane groups of `lanes`
    // invocations share columns * lanes interleaved columns.
    const invocations = tiled ? Math.ceil(this.layout.N / columns) : Math.ceil(this.layout.N / (columns * lanes)) * lanes;
    this.call.u32(0, M);
    if (tiled) this.call.dispatch(pass, Math.ceil(invocations / x), Math.ceil(M / (rows * y)));
    else this.call.dispatch(pass, Math.ceil(M / rows), Math.ceil(invocations / x)); // rows in x: see gemm_direct
  }

  destroy(): void {
    this.call.destroy();
  }
}
