import type { AdapterReport } from './context.js';

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
    /** Neighbouring invocations that read neighbouring columns (a subgroup's width). */
    lanes: number;
    workgroupSize: number;
  };
  gemm: {
    /** 'direct': 16 rows x 8 columns per invocation straight from storage (1D workgroups of
     *  workgroupX); 'tiled': workgroup-memory tiles (workgroupX x workgroupY). */
    variant: 'direct' | 'tiled';
    workgroupX: number;
    workgroupY: number;
    tileK: number;
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
      gemv: { lanes: adapter.subgroupMinSize ?? 4, workgroupSize: 16 },
      gemm: { variant: 'direct', workgroupX: 16, workgroupY: 1, tileK: 16 },
    };
  }
  return {
    activations,
    gemv: { lanes: adapter.subgroupMaxSize ?? 32, workgroupSize: 128 },
    gemm: { variant: 'tiled', workgroupX: 8, workgroupY: 8, tileK: 16 },
  };
}
