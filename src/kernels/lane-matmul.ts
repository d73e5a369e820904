import laneColumns from '../../shaders/lane_columns.wgsl?raw';
import laneMatmul from '../../shaders/lane_matmul.wgsl?raw';
import actPlain from '../../shaders/act_plain.wgsl?raw';
import actSubgroup from '../../shaders/act_subgroup.wgsl?raw';
import type { KernelSet } from './kernel-set.js';
import { KernelSetError } from '../errors.js';
import type { MatrixLayout } from './packing.js';

/**
 * A matmul kernel's source with the shared direct matmul (shaders/lane_columns.wgsl,
 * shaders/lane_matmul.wgsl) and the activation exchange the adapter supports appended. They go after the
 * kernel, and `enable subgroups;` on its first line, so compile errors keep the
 * kernel's own line numbers.
 */
export function withLaneMatmul(kernel: string, activations: KernelSet['activations']): string {
  const act = activations === 'subgroup' ? actSubgroup : actPlain;
  return `${activations === 'subgroup' ? 'enable subgroups; ' : ''}${kernel}\n${laneColumns}\n${laneMatmul}\n${act}`;
}

/** A kernel's source with the shared octet loads and stores (shaders/lane_columns.wgsl) appended. */
export function withLaneColumns(kernel: string): string {
  return `${kernel}\n${laneColumns}`;
}

/**
 * How lane_matmul covers N columns: lane groups of `lanes` invocations, each lane owning
 * `blocks` octets of 8 columns, in workgroups of `workgroupSize / blocks`
 * (two blocks halve the invocations, so the workgroup is halved too and SwiftShader,
 * which gives each workgroup to one worker thread, keeps as many workgroups: a narrow
 * matrix in one workgroup runs on one core). Depends on the matrix and the kernel set
 * only, so kernels compute it once at creation.
 */
export function laneColumnDispatch(
  N: number,
  blocks: number,
  lanes: number,
  workgroupSize: number,
): { workgroup: number; workgroups: number } {
  const workgroup = Math.max(1, Math.floor(workgroupSize / blocks));
  const invocations = Math.ceil(N / (8 * blocks * lanes)) * lanes;
  return { workgroup, workgroups: Math.ceil(invocations / workgroup) };
}

/**
 * The f16 constants of a lane kernel reading this matrix (shaders/lane_columns.wgsl):
 * W_F16, and for values stored shifted (layout.f16Shift = s) F16_SHIFTED with the
 * activations' scale 2^(112 - s), which puts back the 2^-112 the bit moves leave and
 * the 2^s the packer put in.
 */
export function weightConstants(layout: MatrixLayout): Record<string, number> {
  const s = layout.f16Shift;
  return { W_F16: layout.dtype === 'f16' ? 1 : 0, F16_SHIFTED: s === undefined ? 0 : 1, ACT_SCALE: s === undefined ? 1 : 2 ** (112 - s) };
}

/** For kernels that unpack f16 only with unpack2x16float (gemm_tiled, the split-K GEMV). */
export function refuseShiftedF16(layout: MatrixLayout, kernel: string): void {
  if (layout.f16Shift !== undefined)
    throw new KernelSetError(
      `${kernel} reads plain f16 weights; this matrix was packed shifted for the lane kernels ` +
        `(f16Unpack 'bits' goes with gemv 'lanes' and gemm 'direct')`,
    );
}
