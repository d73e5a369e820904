import type { AdapterReport } from './context.js';

/**
 * Kernel shapes chosen per adapter. They become WGSL `override` constants, so
 * changing them needs no shader edits. The SwiftShader choices come from the
 * measurements in shared/design.md section 6: it runs each 4-lane subgroup as
 * one CPU SIMD context, so it rewards long contiguous runs per lane group and
 * no workgroup memory; real GPUs reward workgroup tiles and wide coalesced rows.
 */
export interface Tuning {
  gemv: {
    /** Neighbouring invocations that read neighbouring columns (a subgroup's width). */
    lanes: number;
    workgroupSize: number;
  };
  gemm: {
    /** 'direct': 8x8 outputs per invocation straight from storage; 'tiled': workgroup-memory tiles. */
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
  if (adapter.architecture === 'swiftshader' || adapter.vendor === 'google') {
    return {
      gemv: { lanes: adapter.subgroupMinSize ?? 4, workgroupSize: 16 },
      gemm: { variant: 'direct', workgroupX: 8, workgroupY: 8, tileK: 16 },
    };
  }
  return {
    gemv: { lanes: adapter.subgroupMaxSize ?? 32, workgroupSize: 128 },
    gemm: { variant: 'tiled', workgroupX: 8, workgroupY: 8, tileK: 16 },
  };
}
