import laneColumns from '../../shaders/lane_columns.wgsl?raw';
import laneMatmul from '../../shaders/lane_matmul.wgsl?raw';
import actPlain from '../../shaders/act_plain.wgsl?raw';
import actSubgroup from '../../shaders/act_subgroup.wgsl?raw';
import type { Tuning } from '../gpu/tuning.js';

/**
 * A matmul kernel's source with the shared direct matmul (shaders/lane_columns.wgsl,
 * shaders/lane_matmul.wgsl) and the activation exchange the adapter supports appended. They go after the
 * kernel, and `enable subgroups;` on its first line, so compile errors keep the
 * kernel's own line numbers.
 */
export function withLaneMatmul(kernel: string, activations: Tuning['activations']): string {
  const act = activations === 'subgroup' ? actSubgroup : actPlain;
  return `${activations === 'subgroup' ? 'enable subgroups; ' : ''}${kernel}\n${laneColumns}\n${laneMatmul}\n${act}`;
}
