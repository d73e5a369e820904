import { NoAdapterError } from '../errors.js';
import { GpuContext } from './context.js';

/** Features the kernels can use when the adapter offers them; none is required. */
const OPTIONAL_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups', 'shader-f16'];

/** Limits worth raising to the adapter's own maximum: the defaults (128 MiB bindings) cap model size. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export interface AcquireOptions {
  /** A GPU object to use instead of `navigator.gpu` (for example Dawn's, in Node). */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /**
   * Sleep on a timer before waiting on the GPU. Dawn for Node busy-spins the JS
   * thread while a mapAsync or onSubmittedWorkDone is pending, which on a
   * software adapter takes a core from the GPU itself.
   */
  sleepBeforeWaits?: boolean;
}

/**
 * Finds an adapter and makes a device with every optional feature it offers
 * and its largest limits. This is the one place in src/ that touches
 * `navigator.gpu`; everything else takes the GpuContext (or a GPUDevice).
 */
export async function acquireGpu(options: AcquireOptions = {}): Promise<GpuContext> {
  const gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new NoAdapterError('navigator.gpu is undefined (WebGPU is disabled or unsupported here)');
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new NoAdapterError('requestAdapter() returned null (no usable GPU or software driver)');
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'engine' });
  return new GpuContext(adapter, device, options.sleepBeforeWaits ?? false);
}
