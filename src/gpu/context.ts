import { DeviceLostError, EngineError } from '../errors.js';
import { PipelineCache } from './pipelines.js';

/** What the engine tells a person about the GPU it runs on. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
  features: string[];
  limits: Record<string, number>;
}

function describe(adapter: GPUAdapter, device: GPUDevice): AdapterReport {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean; subgroupMinSize?: number; subgroupMaxSize?: number };
  const legacyFallback = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const limits: Record<string, number> = {};
  for (const key of [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBuffersPerShaderStage',
    'minStorageBufferOffsetAlignment',
  ] as const)
    limits[key] = device.limits[key];
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacyFallback ?? info.architecture === 'swiftshader'),
    subgroupMinSize: info.subgroupMinSize,
    subgroupMaxSize: info.subgroupMaxSize,
    features: [...device.features].sort(),
    limits,
  };
}

/**
 * A device and what is made once for it: what the adapter is (for choosing kernels:
 * src/kernels/kernel-set.ts), the pipeline cache, and the device's errors and loss,
 * raised typed at the next check. Owners of GPU resources take this.
 */
export class GpuContext {
  readonly adapter: AdapterReport;
  readonly pipelines: PipelineCache;
  private lostReason: string | undefined;
  private firstError: string | undefined;

  constructor(
    gpuAdapter: GPUAdapter,
    readonly device: GPUDevice,
    readonly sleepBeforeWaits = false,
  ) {
    this.adapter = describe(gpuAdapter, device);
    this.pipelines = new PipelineCache(device);
    void device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
    // Validation errors outside an error scope would otherwise only reach the console;
    // keep the first one and raise it at the next readback, where the caller waits anyway.
    device.addEventListener('uncapturederror', (e) => {
      this.firstError ??= e.error.message;
    });
  }

  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /**
   * Call after a submit, before mapAsync/onSubmittedWorkDone: where waiting
   * spins (Dawn in Node), sleeps for most of the expected GPU time instead.
   */
  async beforeWait(expectedMs: number): Promise<void> {
    if (this.sleepBeforeWaits && expectedMs > 0.5) await new Promise((r) => setTimeout(r, expectedMs * 0.9));
  }

  /** True once the device is lost (destroyed, or lost by the driver). */
  get lost(): boolean {
    return this.lostReason !== undefined;
  }

  /** Throws if the device was lost or a GPU error was recorded since the last check. */
  check(): void {
    if (this.lostReason !== undefined) throw new DeviceLostError(this.lostReason);
    if (this.firstError !== undefined) {
      const msg = this.firstError;
      this.firstError = undefined;
      throw new EngineError('GPU_ERROR', `WebGPU reported an error: ${msg}`);
    }
  }

  /** A storage buffer, optionally filled from `data` (its size rounded up to 4 bytes). */
  storage(label: string, bytes: number, data?: ArrayBufferView, extraUsage = 0): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 4) * 4);
    const buffer = this.device.createBuffer({
      label,
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extraUsage,
      mappedAtCreation: data !== undefined,
    });
    if (data) {
      new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      buffer.unmap();
    }
    return buffer;
  }

  /** Copies `bytes` from `src` into a new mappable buffer and returns its contents; for tests and one-off reads. */
  async read(src: GPUBuffer, bytes = src.size, offset = 0): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(src, offset, staging, 0, staging.size);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange().slice(0, bytes);
    staging.destroy();
    this.check();
    return out;
  }

  destroy(): void {
    this.device.destroy();
  }
}
