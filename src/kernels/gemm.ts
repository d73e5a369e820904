import type { GpuContext } from '../gpu/context.js';
import type { Tuning } from '../gpu/tuning.js';
import kernel from '../../shaders/gemm.wgsl?raw';
import { TuningError } from '../errors.js';
import { KernelCall, type Bind } from './call.js';
import { kChunks } from './k-chunks.js';
import { laneColumnDispatch, refuseShiftedF16, weightConstants, withLaneMatmul } from './lane-matmul.js';
import { rowVec4, type MatrixLayout } from './packing.js';

/** Rows (and 8-column blocks: one) each gemm_tiled invocation owns: RT in shaders/gemm.wgsl. */
const TILED_ROWS = 8;

/** Workgroup memory gemm_tiled's tiles take (shaders/gemm.wgsl): activations k-major with one vec4 of padding, then weights. */
export function gemmTileBytes(t: Pick<Tuning['gemm'], 'workgroupX' | 'workgroupY' | 'tileK'>): number {
  return t.tileK * (TILED_ROWS * t.workgroupY + 4) * 4 + t.tileK * t.workgroupX * 8 * 4;
}

/**
 * Prefill matmul: out[M, N] = a[M, K] . w[K, N], any M up to the buffers' rows.
 * The variant and tile shape come from the adapter's tuning (src/gpu/tuning.ts).
 */
export class Gemm {
  private constructor(
    private readonly call: KernelCall,
    private readonly tiled: boolean,
    /** Rows one workgroup covers (tiled: TILED_ROWS per invocation x workgroupY; direct: directRows). */
    readonly rowsPerWorkgroup: number,
    /** Workgroups across the columns (they depend on N only). */
    private readonly columnWorkgroups: number,
  ) {}

  static async create(ctx: GpuContext, layout: MatrixLayout, a: Bind, w: Bind, out: Bind, label = 'gemm'): Promise<Gemm> {
    const t = ctx.tuning.gemm;
    const tiled = t.variant === 'tiled';
    if (tiled) {
      refuseShiftedF16(layout, 'gemm_tiled');
      const bytes = gemmTileBytes(t);
      const limit = ctx.device.limits.maxComputeWorkgroupStorageSize;
      if (bytes > limit)
        throw new TuningError(
          `gemm tiles of ${t.workgroupX} x ${t.workgroupY} invocations and tileK ${t.tileK} need ${bytes} bytes of workgroup memory; the device allows ${limit}`,
        );
    }
    // Tiled: one invocation per 8 contiguous columns. Direct: lane_matmul's lane groups.
    const columns = tiled
      ? { workgroup: t.workgroupX, workgroups: Math.ceil(layout.N / 8 / t.workgroupX) }
      : laneColumnDispatch(layout.N, t.directBlocks, ctx.tuning.gemv.lanes, t.workgroupX);
    const pipeline = await ctx.pipelines.get('gemm', withLaneMatmul(kernel, ctx.tuning.activations), tiled ? 'gemm_tiled' : 'gemm_direct', {
      ...weightConstants(layout),
      WG_X: columns.workgroup,
      WG_Y: t.workgroupY,
      TILE_K: t.tileK,
      LANES: ctx.tuning.gemv.lanes,
      ROWS: t.directRows,
      BLOCKS: tiled ? 1 : t.directBlocks,
    });
    const { kc, chunks } = kChunks(layout.K, layout.N, ctx.tuning);
    if (!tiled && chunks > 1)
      throw new RangeError(`gemm_direct sums K in one chunk; this adapter's GEMV sums ${chunks} (tune gemm 'tiled' with gemv 'splitk')`);
    const call = new KernelCall(ctx, pipeline, label, 5, [a, w, out]);
    call.u32(1, layout.K).u32(2, layout.N).u32(3, rowVec4(layout)).u32(4, kc);
    return new Gemm(call, tiled, tiled ? TILED_ROWS * t.workgroupY : t.directRows, columns.workgroups);
  }

  /** Rows 0 .. M - 1; a row group past M computes on clamped rows and stores nothing past M. */
  encode(pass: GPUComputePassEncoder, M: number): void {
    const rowWorkgroups = Math.ceil(M / this.rowsPerWorkgroup);
    this.call.u32(0, M);
    if (this.tiled) this.call.dispatch(pass, this.columnWorkgroups, rowWorkgroups);
    else this.call.dispatch(pass, rowWorkgroups, this.columnWorkgroups); // rows in x: see gemm_direct
  }

  destroy(): void {
    this.call.destroy();
  }
}
