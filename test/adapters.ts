// Adapter reports for tests that need src/kernels/kernel-set.ts's choices without a device.
import type { AdapterReport } from '../src/gpu/context.js';
import { chooseKernels } from '../src/kernels/kernel-set.js';

/** What acquireGpu would report for an adapter of this vendor and architecture, with subgroups of `subgroupSize`. */
export const adapterReport = (vendor: string, architecture: string, subgroupSize = 32): AdapterReport => ({
  vendor,
  architecture,
  device: '',
  description: '',
  isFallbackAdapter: false,
  subgroupMinSize: subgroupSize,
  subgroupMaxSize: subgroupSize,
  features: ['subgroups'],
  limits: {},
});

/** The kernels a GPU with many cores gets (an NVIDIA one), and SwiftShader's (subgroups of 4, as it has). */
export const gpuKernels = chooseKernels(adapterReport('nvidia', 'hopper'));
export const swiftshaderKernels = chooseKernels(adapterReport('google', 'swiftshader', 4));
