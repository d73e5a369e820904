import type { GpuContext } from '../gpu/context.js';
import laneKernel from '../../shaders/gemv.wgsl?raw';
import splitKernel from '../../shaders/gemv_splitk.wgsl?raw';
import { type Bind, type CallFor, KernelCall } from './call.js';
import { bucketFor, GEMV_BUCKETS, GEMV_MAX_ROWS } from './gemv-rows.js';
import { kChunks } from './k-chunks.js';
import { gemvBlocks, type KernelSet } from './kernel-set.js';
import { laneColumnDispatch, refuseShiftedF16, weightConstants, withLaneMatmul } from './lane-matmul.js';
import { paddedColumns, rowVec4, type MatrixLayout } from './packing.js';
import { uniforms } from './uniforms.js';

export { GEMV_BUCKETS, GEMV_MAX_ROWS } from './gemv-rows.js';

const LANE_PARAMS = uniforms('gemv.wgsl', laneKernel, { rows: 'u32', K: 'u32', N: 'u32', rowVec4: 'u32', firstGroup: 'u32' });
const SPLIT_PARAMS = uniforms('gemv_splitk.wgsl', splitKernel, {
  rows: 'u32',
  K: 'u32',
  N: 'u32',
  rowWords: 'u32',
  kc: 'u32',
  chunks: 'u32',
  np4: 'u32',
});

/** The buckets a GEMV of at most maxRows rows needs. */
const bucketsUpTo = (maxRows: number) => GEMV_BUCKETS.filter((b, i) => i === 0 || GEMV_BUCKETS[i - 1]! < maxRows);

/**
 * Decode matmul: out[B, N] = x[B, K] . w[K, N] for B <= 16, one pipeline per row
 * bucket (the row count is compiled in), all made in create(); the decode loop only
 * picks. The variant is the kernel set's: lane_matmul in one pass, or split-K in two.
 */
export interface Gemv {
  /**
   * Rows firstRow .. rows - 1 (at most 16 of them). firstRow > 0 (the rows past a
   * GEMM's whole row groups in a prefill step) must be a multiple of their bucket, and
   * only the lane GEMV takes it (kernel-set.ts, laneMatmulOnly); split-K refuses it.
   */
  encode(pass: GPUComputePassEncoder, rows: number, firstRow?: number): void;
  /** The pipeline a step of `rows` rows runs first (tests tell variants apart by it). */
  pipelineFor(rows: number): GPUComputePipeline;
  destroy(): void;
}

export const Gemv = {
  /**
   * `partials`: the split-K variant's scratch, at least gemvScratchBytes(); one buffer
   * can serve every GEMV of a model, since they run one after another. Made here if absent.
   */
  async create(
    ctx: GpuContext,
    kernels: KernelSet,
    layout: MatrixLayout,
    x: Bind,
    w: Bind,
    out: Bind,
    maxRows: number,
    label = 'gemv',
    partials?: GPUBuffer,
  ): Promise<Gemv> {
    if (maxRows < 1 || maxRows > GEMV_MAX_ROWS) throw new RangeError(`gemv rows must be 1..${GEMV_MAX_ROWS}, got ${maxRows}`);
    return kernels.gemv.variant === 'splitk'
      ? SplitKGemv.create(ctx, kernels, layout, x, w, out, maxRows, label, partials)
      : LaneGemv.create(ctx, kernels, layout, x, w, out, maxRows, label);
  },
};

/** Bytes of the split-K GEMV's partial sums for this matrix and row count (0 for the lane GEMV). */
export function gemvScratchBytes(kernels: KernelSet, layout: MatrixLayout, maxRows: number): number {
  if (kernels.gemv.variant !== 'splitk') return 0;
  const { chunks } = kChunks(layout.K, layout.N, kernels);
  return chunks * maxRows * paddedColumns(layout.N) * 4;
}

const tooMany = (calls: Map<number, unknown>, rows: number) =>
  new RangeError(`gemv built for at most ${Math.max(...calls.keys())} rows, got ${rows}`);

/** One row bucket's pipeline and the workgroups that cover the matrix's columns. */
interface LaneBucket {
  call: CallFor<typeof LANE_PARAMS>;
  workgroups: number;
}

/** lane_matmul (shaders/lane_matmul.wgsl) in one pass: each invocation walks all of K. */
class LaneGemv implements Gemv {
  private constructor(private readonly buckets: Map<number, LaneBucket>) {}

  static async create(
    ctx: GpuContext,
    kernels: KernelSet,
    layout: MatrixLayout,
    x: Bind,
    w: Bind,
    out: Bind,
    maxRows: number,
    label: string,
  ): Promise<LaneGemv> {
    const t = kernels.gemv;
    const buckets = new Map<number, LaneBucket>();
    const code = withLaneMatmul(laneKernel, kernels.activations); // one source, ROWS set per bucket
    for (const b of bucketsUpTo(maxRows)) {
      const blocks = gemvBlocks(kernels, b);
      const { workgroup, workgroups } = laneColumnDispatch(layout.N, blocks, t.lanes, t.workgroupSize);
      const pipeline = await ctx.pipelines.get('gemv', code, 'gemv', {
        ...weightConstants(layout),
        ROWS: b,
        LANES: t.lanes,
        WG: workgroup,
        BLOCKS: blocks,
      });
      const call = new KernelCall(ctx, pipeline, `${label}.b${b}`, LANE_PARAMS, [x, w, out]);
      call.set('K', layout.K).set('N', layout.N).set('rowVec4', rowVec4(layout));
      buckets.set(b, { call, workgroups });
    }
    return new LaneGemv(buckets);
  }

  encode(pass: GPUComputePassEncoder, rows: number, firstRow = 0): void {
    const n = rows - firstRow;
    const size = bucketFor(n);
    const bucket = this.buckets.get(size);
    if (!bucket || n > GEMV_MAX_ROWS) throw tooMany(this.buckets, n);
    if (n < 1) throw new RangeError(`gemv rows from ${firstRow} to ${rows}: none`);
    if (firstRow % size !== 0) throw new RangeError(`gemv rows from ${firstRow} must start at a multiple of their bucket, ${size}`);
    bucket.call
      .set('rows', rows)
      .set('firstGroup', firstRow / size)
      .dispatch(pass, bucket.workgroups);
  }

  pipelineFor(rows: number): GPUComputePipeline {
    const bucket = this.buckets.get(bucketFor(rows));
    if (!bucket) throw tooMany(this.buckets, rows);
    return bucket.call.pipeline;
  }

  destroy(): void {
    for (const b of this.buckets.values()) b.call.destroy();
  }
}

/** shaders/gemv_splitk.wgsl: partial sums per K chunk, then their sum in chunk order. */
class SplitKGemv implements Gemv {
  private constructor(
    private readonly partial: Map<number, CallFor<typeof SPLIT_PARAMS>>,
    private readonly reduce: CallFor<typeof SPLIT_PARAMS>,
    private readonly np4: number,
    private readonly chunks: number,
    private readonly workgroup: number,
    private readonly owned: GPUBuffer | undefined,
  ) {}

  static async create(
    ctx: GpuContext,
    kernels: KernelSet,
    layout: MatrixLayout,
    x: Bind,
    w: Bind,
    out: Bind,
    maxRows: number,
    label: string,
    partials?: GPUBuffer,
  ): Promise<SplitKGemv> {
    refuseShiftedF16(layout, 'the split-K GEMV');
    const t = kernels.gemv;
    const { kc, chunks } = kChunks(layout.K, layout.N, kernels);
    const need = gemvScratchBytes(kernels, layout, maxRows);
    if (partials && partials.size < need) throw new RangeError(`gemv partials buffer holds ${partials.size} bytes, needs ${need}`);
    const owned = partials ? undefined : ctx.storage(`${label}.partials`, need);
    const scratch = partials ?? owned!;
    const np4 = paddedColumns(layout.N) / 4;
    const params = (call: CallFor<typeof SPLIT_PARAMS>) =>
      call.set('K', layout.K).set('N', layout.N).set('rowWords', layout.rowWords).set('kc', kc).set('chunks', chunks).set('np4', np4);
    const constants = { W_F16: layout.dtype === 'f16' ? 1 : 0, WG: t.workgroupSize };
    const partial = new Map<number, CallFor<typeof SPLIT_PARAMS>>();
    for (const b of bucketsUpTo(maxRows)) {
      const pipeline = await ctx.pipelines.get('gemv_splitk', splitKernel, 'gemv_partial', { ...constants, ROWS: b });
      partial.set(b, params(new KernelCall(ctx, pipeline, `${label}.partial.b${b}`, SPLIT_PARAMS, [x, w, scratch])));
    }
    const reducePipeline = await ctx.pipelines.get('gemv_splitk', splitKernel, 'gemv_reduce', constants);
    const reduce = params(new KernelCall(ctx, reducePipeline, `${label}.reduce`, SPLIT_PARAMS, [undefined, undefined, scratch, out]));
    return new SplitKGemv(partial, reduce, np4, chunks, t.workgroupSize, owned);
  }

  encode(pass: GPUComputePassEncoder, rows: number, firstRow = 0): void {
    if (firstRow !== 0) throw new RangeError('the split-K GEMV starts at row 0');
    const call = this.partial.get(bucketFor(rows));
    if (!call || rows > GEMV_MAX_ROWS) throw tooMany(this.partial, rows);
    call.set('rows', rows).dispatch(pass, Math.ceil(this.np4 / this.workgroup), this.chunks);
    this.reduce.set('rows', rows).dispatch(pass, Math.ceil((rows * this.np4) / this.workgroup));
  }

  pipelineFor(rows: number): GPUComputePipeline {
    const call = this.partial.get(bucketFor(rows));
    if (!call) throw tooMany(this.partial, rows);
    return call.pipeline;
  }

  destroy(): void {
    for (const c of this.partial.values()) c.destroy();
    this.reduce.destroy();
    this.owned?.destroy();
  }
}
