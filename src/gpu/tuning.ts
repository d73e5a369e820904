import type { AdapterReport } from './context.js';
import { TuningError } from '../errors.js';
import { GEMV_BUCKETS } from '../kernels/gemv-rows.js';

/**
 * Kernel shapes chosen per adapter. They become WGSL `override` constants, so
 * changing them needs no shader edits. The SwiftShader choices come from the
 * measurements in shared/design.md section 6: it runs each 4-lane subgroup as
 * one CPU SIMD context, so it rewards long contiguous runs per lane group and
 * no workgroup memory; real GPUs reward workgroup tiles and wide coalesced rows.
 */
export interface Tuning {
  /**
   * The direct matmul (GEMV, gemm_direct) shares each row's activations across a
   * subgroup (shaders/act_subgroup.wgsl) instead of every lane loading them. Needs
   * the `subgroups` feature with subgroups of at least 4 invocations; without it the
   * kernels use shaders/act_plain.wgsl, and every result says which (`activations`).
   */
  activations: 'subgroup' | 'per-lane';
  gemv: {
    /** 'lanes': lane_matmul, each invocation walks all of K for 8 columns (one pass; right
     *  where cores are few, as on SwiftShader). 'splitk': shaders/gemv_splitk.wgsl, K cut
     *  into chunks so a GPU gets about splitInvocations threads, then a reduction pass. */
    variant: 'lanes' | 'splitk';
    /** Neighbouring invocations that read neighbouring columns (a subgroup's width). */
    lanes: number;
    workgroupSize: number;
    /** splitk: invocations a GEMV aims for (src/kernels/k-chunks.ts). */
    splitInvocations: number;
    /** lanes: 8-column blocks per lane (1 or 2) for each row bucket in GEMV_BUCKETS order
     *  (1, 2, 4, 8, 16 rows). Two halve the activation loads per weight load and double the
     *  accumulators. The read ceiling (read_stream) reads with the one-row bucket's blocks. */
    blocks: number[];
  };
  /**
   * f16 weights: 'bits' packs each matrix scaled by a power of two that leaves no value
   * subnormal, each word's halves laid out so that the lane kernels move their bits into
   * f32s with one shift and masks (packing.ts, shiftedPairWord), the activations scaled
   * to match (shaders/lane_columns.wgsl, F16_SHIFTED; exact, the same bits as
   * 'builtin'); 'builtin' unpacks with unpack2x16float, which a GPU does in one
   * instruction and SwiftShader in many. 'bits' applies only with gemv
   * 'lanes' and gemm 'direct' (packsShiftedF16).
   */
  f16Unpack: 'bits' | 'builtin';
  /** RMSNorm: one invocation per row, or one workgroup per row with a tree sum (shaders/rmsnorm.wgsl). */
  rmsnorm: 'invocation' | 'workgroup';
  /** Attention: one invocation per (row, head), or one workgroup over tiles of keys (shaders/attention.wgsl). */
  attention: 'invocation' | 'workgroup';
  gemm: {
    /** 'direct': directRows rows x directBlocks blocks of 8 columns per invocation straight
     *  from storage (1D workgroups of workgroupX / directBlocks invocations); 'tiled':
     *  workgroup-memory tiles, workgroupX x workgroupY invocations of 8 rows x 8 columns. */
    variant: 'direct' | 'tiled';
    workgroupX: number;
    workgroupY: number;
    tileK: number;
    /** direct: rows per invocation, 1, 2, 4, 8, 16 or 32. */
    directRows: number;
    /** direct: 8-column blocks per lane, 1 or 2. */
    directBlocks: number;
  };
}

/*
 * SwiftShader hands whole workgroups to its worker threads, so a decode GEMV
 * over a small model (N = 512 columns is 64 invocations) must use small
 * workgroups or it runs on one core: 16 halved GEMV 1024x1024 time here
 * against 64 (npm run bench -- --suite kernels).
 */
export function tuningFor(adapter: AdapterReport): Tuning {
  const activations = adapter.features.includes('subgroups') && (adapter.subgroupMinSize ?? 0) >= 4 ? 'subgroup' : 'per-lane';
  if (adapter.architecture === 'swiftshader' || adapter.vendor === 'google') {
    return {
      activations,
      // Two blocks: at one row 6-16% faster at 4096^2 (the activation load was a ninth of
      // the loads), at 8 and 16 rows 4-20% faster; at 2 rows 30-40% slower, at 4 either way.
      gemv: { variant: 'lanes', lanes: adapter.subgroupMinSize ?? 4, workgroupSize: 16, splitInvocations: 0, blocks: [2, 1, 1, 2, 2] },
      // Against unpack2x16float (Node, round robin): whole f16 decode steps 0.80-0.92 of
      // the time at B = 1-8 on ladder-512, ladder-1024 and small (docs/results.md).
      f16Unpack: 'bits',
      rmsnorm: 'invocation',
      attention: 'invocation',
      // 32 rows x 2 blocks: 1.2-1.5x the GFLOP/s of 16 x 1 on small's shapes and at 2048^2
      // (half the gathers per fma; the accumulators spill, and that costs less).
      gemm: { variant: 'direct', workgroupX: 16, workgroupY: 1, tileK: 16, directRows: 32, directBlocks: 2 },
    };
  }
  return {
    activations,
    // A GPU reads at full speed only with very many loads in flight. On an H200 a GEMV
    // with one thread per 8 columns had 256 threads for a 2048-wide matrix and read 24
    // GB/s; split-K over 8192^2 f32 reached 44% of the read ceiling (3.85 TB/s) aiming at
    // 16,384 invocations, 86% at 65,536 and 64% at 262,144 (bench --kernel-size 8192).
    gemv: { variant: 'splitk', lanes: adapter.subgroupMaxSize ?? 32, workgroupSize: 128, splitInvocations: 65536, blocks: [1, 1, 1, 1, 1] },
    f16Unpack: 'builtin',
    rmsnorm: 'workgroup',
    attention: 'workgroup',
    // 16 x 8 invocations of 8 x 8 outputs: a 64-row x 128-column tile in 12.5 KiB of
    // workgroup memory (16 x 16 would need 16.3, past WebGPU's default 16 KiB).
    gemm: { variant: 'tiled', workgroupX: 16, workgroupY: 8, tileK: 16, directRows: 16, directBlocks: 1 },
  };
}

/** Changes to an adapter's tuning, for trying other shapes (`npm run bench -- --tuning JSON`). */
export type TuningOverrides = {
  [K in keyof Tuning]?: Tuning[K] extends object ? Partial<Tuning[K]> : Tuning[K];
};

/**
 * The tuning with the overrides applied, one level deep. Unknown names and values of
 * the wrong type are refused, so a typo never silently measures the default.
 */
export function applyTuning(base: Tuning, overrides: TuningOverrides): Tuning {
  const bad = (path: string, why: string) => new TuningError(`${path}: ${why}`);
  const merged = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in merged)) throw bad(key, `unknown; known: ${Object.keys(merged).join(', ')}`);
    const current = merged[key];
    if (typeof current === 'object' && current !== null) {
      if (typeof value !== 'object' || value === null) throw bad(key, 'expected an object');
      const inner = current as Record<string, unknown>;
      for (const [k, v] of Object.entries(value)) {
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
  const t = merged as unknown as Tuning;
  // lane_matmul is written for one or two blocks and for power-of-two rows up to 32.
  const oneOrTwo = (b: unknown) => b === 1 || b === 2;
  if (t.gemv.blocks.length !== GEMV_BUCKETS.length || !t.gemv.blocks.every(oneOrTwo))
    throw bad(
      'gemv.blocks',
      `must be ${GEMV_BUCKETS.length} values of 1 or 2 (one per row bucket: ${GEMV_BUCKETS.join(', ')}), got ${JSON.stringify(t.gemv.blocks)}`,
    );
  if (!oneOrTwo(t.gemm.directBlocks)) throw bad('gemm.directBlocks', `must be 1 or 2, got ${t.gemm.directBlocks}`);
  if (![1, 2, 4, 8, 16, 32].includes(t.gemm.directRows))
    throw bad('gemm.directRows', `must be 1, 2, 4, 8, 16 or 32, got ${t.gemm.directRows}`);
  if (!['bits', 'builtin'].includes(t.f16Unpack)) throw bad('f16Unpack', `must be 'bits' or 'builtin', got ${JSON.stringify(t.f16Unpack)}`);
  // gemm_direct sums all of K in one chain, so it cannot match the split-K GEMV's chunks.
  if (t.gemv.variant === 'splitk' && t.gemm.variant !== 'tiled')
    throw bad('gemv.variant', `'splitk' needs gemm.variant 'tiled' (gemm_direct sums K in one chunk, the split-K GEMV in several)`);
  return t;
}

/**
 * Whether models and benchmarks pack f16 matrices shifted (src/kernels/packing.ts,
 * f16Shift): with f16Unpack 'bits' and only the lane kernels, which alone read them.
 */
export function packsShiftedF16(t: Tuning): boolean {
  return t.f16Unpack === 'bits' && laneMatmulOnly(t);
}

/**
 * Whether the GEMV and the GEMM are both lane_matmul (shaders/lane_matmul.wgsl: the lane
 * GEMV and gemm_direct), the same code with more or fewer rows compiled in: then either
 * takes any of a step's rows with the same bits, and the GEMV takes the rows past the
 * GEMM's last whole row group (GpuModel.matmul).
 */
export function laneMatmulOnly(t: Tuning): boolean {
  return t.gemv.variant === 'lanes' && t.gemm.variant === 'direct';
}
