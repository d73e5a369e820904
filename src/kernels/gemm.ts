import type { GpuContext } from '../gpu/context.js';
import directKernel from '../../shaders/gemm.wgsl?raw';
import tiledKernel from '../../shaders/gemm_tiled.wgsl?raw';
import { KernelSetError } from '../errors.js';
import { type Bind, type CallFor, KernelCall } from './call.js';
import { kChunks } from './k-chunks.js';
import { GEMM_TILED_ROWS, gemmRowGroup, type KernelSet } from './kernel-set.js';
import { laneColumnDispatch, refuseShiftedF16, weightConstants, withLaneColumns, withLaneMatmul } from './lane-matmul.js';
import { rowVec4, type MatrixLayout } from './packing.js';
import { uniforms } from './uniforms.js';

const FIELDS = { M: 'u32', K: 'u32', N: 'u32', rowVec4: 'u32', kc: 'u32' } as const;
const PARAMS = uniforms('gemm.wgsl', directKernel, FIELDS);
const TILED_PARAMS = uniforms('gemm_tiled.wgsl', tiledKernel, FIELDS);

/** Workgroup memory gemm_tiled's tiles take (shaders/gemm_tiled.wgsl): activations k-major with one vec4 of padding, then weights. */
export function gemmTileBytes(t: Pick<KernelSet['gemm'], 'workgroupX' | 'workgroupY' | 'tileK'>): number {
  return t.tileK * (GEMM_TILED_ROWS * t.workgroupY + 4) * 4 + t.tileK * t.workgroupX * 8 * 4;
}

/**
 * Prefill matmul: out[M, N] = a[M, K] . w[K, N], any M up to the buffers' rows.
 * The variant and tile shape are the kernel set's.
 */
export class Gemm {
  private constructor(
    private readonly call: CallFor<typeof PARAMS>,
    private readonly tiled: boolean,
    /** Rows one workgroup covers (gemmRowGroup). */
    readonly rowsPerWorkgroup: number,
    /** Workgroups across the columns (they depend on N only). */
    private readonly columnWorkgroups: number,
  ) {}

  static async create(
    ctx: GpuContext,
    kernels: KernelSet,
    layout: MatrixLayout,
    a: Bind,
    w: Bind,
    out: Bind,
    label = 'gemm',
  ): Promise<Gemm> {
    const t = kernels.gemm;
    const tiled = t.variant === 'tiled';
    if (tiled) {
      refuseShiftedF16(layout, 'gemm_tiled');
      const bytes = gemmTileBytes(t);
      const limit = ctx.device.limits.maxComputeWorkgroupStorageSize;
      if (bytes > limit)
        throw new KernelSetError(
          `gemm tiles of ${t.workgroupX} x ${t.workgroupY} invocations and tileK ${t.tileK} need ` +
            `${bytes} bytes of workgroup memory; the device allows ${limit}`,
        );
    }
    // Tiled: one invocation per 8 contiguous columns. Direct: lane_matmul's lane groups.
    const columns = tiled
      ? { workgroup: t.workgroupX, workgroups: Math.ceil(layout.N / 8 / t.workgroupX) }
      : laneColumnDispatch(layout.N, t.directBlocks, kernels.gemv.lanes, t.workgroupX);
    // Only the constants the entry point reads: a kernel set differing in another kernel's
    // shape then shares this pipeline instead of compiling an identical one.
    const constants = tiled
      ? { ...weightConstants(layout), WG_X: columns.workgroup, WG_Y: t.workgroupY, TILE_K: t.tileK }
      : { ...weightConstants(layout), WG_X: columns.workgroup, LANES: kernels.gemv.lanes, ROWS: t.directRows, BLOCKS: t.directBlocks };
    // gemm_tiled reads no activations through a lane group: its source does not depend on them.
    const pipeline = tiled
      ? await ctx.pipelines.get('gemm_tiled', withLaneColumns(tiledKernel), 'gemm_tiled', constants)
      : await ctx.pipelines.get('gemm', withLaneMatmul(directKernel, kernels.activations), 'gemm_direct', constants);
    const { kc, chunks } = kChunks(layout.K, layout.N, kernels);
    if (!tiled && chunks > 1)
      throw new RangeError(`gemm_direct sums K in one chunk; this kernel set's GEMV sums ${chunks} (use gemm 'tiled' with gemv 'splitk')`);
    const call = new KernelCall(ctx, pipeline, label, tiled ? TILED_PARAMS : PARAMS, [a, w, out]);
    call.set('K', layout.K).set('N', layout.N).set('rowVec4', rowVec4(layout)).set('kc', kc);
    return new Gemm(call, tiled, gemmRowGroup(kernels), columns.workgroups);
  }

  /** The pipeline it runs (tests tell variants apart by it). */
  get pipeline(): GPUComputePipeline {
    return this.call.pipeline;
  }

  /** Rows 0 .. M - 1; a row group past M computes on clamped rows and stores nothing past M. */
  encode(pass: GPUComputePassEncoder, M: number): void {
    const rowWorkgroups = Math.ceil(M / this.rowsPerWorkgroup);
    this.call.set('M', M);
    if (this.tiled) this.call.dispatch(pass, this.columnWorkgroups, rowWorkgroups);
    else this.call.dispatch(pass, rowWorkgroups, this.columnWorkgroups); // rows in x: see gemm_direct
  }

  destroy(): void {
    this.call.destroy();
  }
}
