import type { AdapterReport } from '../gpu/context.js';
import { KernelSetError } from '../errors.js';
import { GEMV_BUCKETS } from './gemv-rows.js';

/**
 * Which kernel variant each op runs and with what tile shape: chosen once from the adapter
 * (chooseKernels) and handed to the model and every kernel when they are made. A value,
 * frozen: nothing changes the kernels under a live model; to try other shapes, build
 * another set (overrideKernels) and make things with it. Tile sizes reach the shaders as
 * WGSL `override` constants, so a new shape needs no shader edit.
 */
export interface KernelSet {
  /**
   * How the direct matmul (lane GEMV, gemm_direct) shares each row's activations:
   * across a subgroup (shaders/act_subgroup.wgsl; needs `subgroups` of at least 4
   * invocations) or each lane loading its own (shaders/act_plain.wgsl).
   */
  readonly activations: 'subgroup' | 'per-lane';
  readonly gemv: {
    /**
     * 'lanes': lane_matmul, each invocation walks all of K for its columns, one pass
     * (few cores, as on SwiftShader). 'splitk': shaders/gemv_splitk.wgsl, K cut into chunks
     * so the GEMV has about splitInvocations threads, then a pass summing the chunks.
     */
    readonly variant: 'lanes' | 'splitk';
    /** Neighbouring invocations that read neighbouring columns (a subgroup's width). */
    readonly lanes: number;
    readonly workgroupSize: number;
    /** splitk: invocations a GEMV aims for (src/kernels/k-chunks.ts). */
    readonly splitInvocations: number;
    /**
     * lanes: 8-column blocks per lane (1 or 2) for each row bucket, in GEMV_BUCKETS order.
     * Two halve the activation loads per weight load and double the accumulators.
     */
    readonly blocks: readonly number[];
  };
  /**
   * f16 weights: 'bits' packs each matrix scaled by a power of two that leaves no value
   * subnormal, so the lane kernels turn f16 bits into f32 bits with one shift and masks
   * (src/kernels/packing.ts; the same bits as 'builtin'); 'builtin' unpacks with
   * unpack2x16float, one instruction on a GPU and many on SwiftShader. 'bits' applies only
   * where the lane kernels alone read the weights (packsShiftedF16).
   */
  readonly f16Unpack: 'bits' | 'builtin';
  /** One invocation per row, or one workgroup per row with a tree sum (shaders/rmsnorm.wgsl). */
  readonly rmsnorm: 'invocation' | 'workgroup';
  /** One invocation per (row, head), or one workgroup over tiles of keys (shaders/attention.wgsl). */
  readonly attention: 'invocation' | 'workgroup';
  readonly gemm: {
    /**
     * 'direct': directRows rows x directBlocks blocks of 8 columns per invocation, straight
     * from storage (1D workgroups of workgroupX / directBlocks invocations). 'tiled':
     * workgroup-memory tiles of workgroupX x workgroupY invocations of 8 rows x 8 columns.
     */
    readonly variant: 'direct' | 'tiled';
    readonly workgroupX: number;
    readonly workgroupY: number;
    readonly tileK: number;
    /** direct: rows per invocation: 1, 2, 4, 8, 16 or 32. */
    readonly directRows: number;
    /** direct: 8-column blocks per lane, 1 or 2. */
    readonly directBlocks: number;
  };
}

/** What chooseKernels reads of an adapter. */
export type AdapterFacts = Pick<AdapterReport, 'vendor' | 'architecture' | 'features' | 'subgroupMinSize' | 'subgroupMaxSize'>;

/**
 * The kernels for this adapter. SwiftShader runs each 4-lane subgroup as one CPU SIMD
 * context and hands whole workgroups to its worker threads, so it gets long contiguous runs
 * per lane group, no workgroup memory, and small workgroups (a decode GEMV over a small
 * model must still spread over the cores). A GPU wants tens of thousands of threads,
 * workgroup tiles and coalesced rows. The shapes are the fastest measured on each
 * (docs/results.md, "Kernel shapes per adapter").
 */
export function chooseKernels(adapter: AdapterFacts): KernelSet {
  const activations = adapter.features.includes('subgroups') && (adapter.subgroupMinSize ?? 0) >= 4 ? 'subgroup' : 'per-lane';
  if (adapter.architecture === 'swiftshader' || adapter.vendor === 'google') {
    return freeze({
      activations,
      gemv: { variant: 'lanes', lanes: adapter.subgroupMinSize ?? 4, workgroupSize: 16, splitInvocations: 0, blocks: [2, 1, 1, 2, 2] },
      f16Unpack: 'bits',
      rmsnorm: 'invocation',
      attention: 'invocation',
      gemm: { variant: 'direct', workgroupX: 16, workgroupY: 1, tileK: 16, directRows: 32, directBlocks: 2 },
    });
  }
  return freeze({
    activations,
    gemv: { variant: 'splitk', lanes: adapter.subgroupMaxSize ?? 32, workgroupSize: 128, splitInvocations: 65536, blocks: [1, 1, 1, 1, 1] },
    f16Unpack: 'builtin',
    rmsnorm: 'workgroup',
    attention: 'workgroup',
    // 16 x 8 invocations of 8 x 8 outputs: a 64 x 128 tile in 12.5 KiB of workgroup memory
    // (16 x 16 would need 16.3, past WebGPU's default 16 KiB).
    gemm: { variant: 'tiled', workgroupX: 16, workgroupY: 8, tileK: 16, directRows: 16, directBlocks: 1 },
  });
}

/** Changes to a kernel set: any top-level field, and any field of gemv and gemm. */
export type KernelOverrides = {
  [K in keyof KernelSet]?: KernelSet[K] extends object ? Partial<{ -readonly [F in keyof KernelSet[K]]: KernelSet[K][F] }> : KernelSet[K];
};

/**
 * A new set: `base` with the overrides applied, one level deep, checked. Unknown names,
 * values of the wrong type and shapes the kernels are not written for are refused
 * (KernelSetError), so a typo never silently measures the default.
 */
export function overrideKernels(base: KernelSet, overrides: KernelOverrides): KernelSet {
  const bad = (path: string, why: string) => new KernelSetError(`${path}: ${why}`);
  const merged = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in merged)) throw bad(key, `unknown; known: ${Object.keys(merged).join(', ')}`);
    const current = merged[key];
    if (typeof current === 'object' && current !== null) {
      if (typeof value !== 'object' || value === null) throw bad(key, 'expected an object');
      const inner = current as Record<string, unknown>;
      for (const [k, v] of Object.entries(value as object)) {
        if (!(k in inner)) throw bad(`${key}.${k}`, `unknown; known: ${Object.keys(inner).join(', ')}`);
        if (typeof v !== typeof inner[k] || Array.isArray(v) !== Array.isArray(inner[k]))
          throw bad(`${key}.${k}`, `expected ${Array.isArray(inner[k]) ? 'an array' : `a ${typeof inner[k]}`}, got ${JSON.stringify(v)}`);
        inner[k] = v;
      }
    } else {
      if (typeof value !== typeof current) throw bad(key, `expected a ${typeof current}, got ${JSON.stringify(value)}`);
      merged[key] = value;
    }
  }
  const k = merged as unknown as KernelSet;
  // lane_matmul is written for one or two blocks and for power-of-two rows up to 32.
  const oneOrTwo = (b: unknown) => b === 1 || b === 2;
  if (k.gemv.blocks.length !== GEMV_BUCKETS.length || !k.gemv.blocks.every(oneOrTwo))
    throw bad(
      'gemv.blocks',
      `must be ${GEMV_BUCKETS.length} values of 1 or 2 (one per row bucket: ` +
        `${GEMV_BUCKETS.join(', ')}), got ${JSON.stringify(k.gemv.blocks)}`,
    );
  if (!oneOrTwo(k.gemm.directBlocks)) throw bad('gemm.directBlocks', `must be 1 or 2, got ${k.gemm.directBlocks}`);
  if (![1, 2, 4, 8, 16, 32].includes(k.gemm.directRows))
    throw bad('gemm.directRows', `must be 1, 2, 4, 8, 16 or 32, got ${k.gemm.directRows}`);
  if (!['bits', 'builtin'].includes(k.f16Unpack)) throw bad('f16Unpack', `must be 'bits' or 'builtin', got ${JSON.stringify(k.f16Unpack)}`);
  // Decode and prefill rows must sum K the same way: gemm_direct sums it in one chunk, the split-K GEMV in several.
  if (k.gemv.variant === 'splitk' && k.gemm.variant !== 'tiled')
    throw bad('gemv.variant', `'splitk' needs gemm.variant 'tiled' (gemm_direct sums K in one chunk, the split-K GEMV in several)`);
  return freeze(k);
}

/**
 * Whether the GEMV and the GEMM are both lane_matmul (shaders/lane_matmul.wgsl: the lane
 * GEMV and gemm_direct), the same code with more or fewer rows compiled in: then either
 * takes any of a step's rows with the same bits, and the GEMV takes the rows past the
 * GEMM's last whole row group (src/model/step-ops.ts, gemmRowsOf).
 */
export function laneMatmulOnly(k: KernelSet): boolean {
  return k.gemv.variant === 'lanes' && k.gemm.variant === 'direct';
}

/** Whether f16 matrices are packed shifted: with f16Unpack 'bits' and only the lane kernels, which alone read them so. */
export function packsShiftedF16(k: KernelSet): boolean {
  return k.f16Unpack === 'bits' && laneMatmulOnly(k);
}

/** Rows each gemm_tiled invocation owns (RT in shaders/gemm_tiled.wgsl), in one block of 8 columns. */
export const GEMM_TILED_ROWS = 8;

/** Rows one GEMM workgroup covers: tiled, GEMM_TILED_ROWS per invocation x workgroupY; direct, directRows. */
export function gemmRowGroup(k: KernelSet): number {
  return k.gemm.variant === 'tiled' ? GEMM_TILED_ROWS * k.gemm.workgroupY : k.gemm.directRows;
}

/** Dispatches one GEMV takes: the split-K one sums its chunks in a second pass. */
export function gemvDispatches(k: KernelSet): number {
  return k.gemv.variant === 'splitk' ? 2 : 1;
}

/** Octets of 8 columns per lane in the lane GEMV's bucket of `bucket` rows (one of GEMV_BUCKETS); 1 for split-K. */
export function gemvBlocks(k: KernelSet, bucket: number): number {
  const i = GEMV_BUCKETS.indexOf(bucket as (typeof GEMV_BUCKETS)[number]);
  if (i < 0) throw new RangeError(`no GEMV bucket of ${bucket} rows (buckets: ${GEMV_BUCKETS.join(', ')})`);
  return k.gemv.variant === 'lanes' ? k.gemv.blocks[i]! : 1;
}

/** The one-row bucket's blocks: the read ceiling (read_stream) reads with them, so it makes exactly the decode GEMV's loads. */
export function oneRowBlocks(k: KernelSet): number {
  return gemvBlocks(k, 1);
}

/** A kernel set in words, for the line every command prints about its adapter. */
export function describeKernels(k: KernelSet): string {
  const gemv = k.gemv.variant === 'splitk' ? `gemv split-K (~${k.gemv.splitInvocations} invocations)` : 'gemv lanes';
  const act = k.activations === 'subgroup' ? 'activations shared across subgroups' : 'activations loaded per lane (no usable subgroups)';
  const perRow = k.attention === k.rmsnorm ? k.rmsnorm : `${k.rmsnorm}/${k.attention}`;
  return `${gemv}, gemm ${k.gemm.variant}, ${act}, rmsnorm and attention per ${perRow}`;
}

function freeze(k: KernelSet): KernelSet {
  Object.freeze(k.gemv.blocks);
  Object.freeze(k.gemv);
  Object.freeze(k.gemm);
  return Object.freeze(k);
}
