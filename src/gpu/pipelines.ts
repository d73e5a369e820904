import { ShaderCompileError } from '../errors.js';

/**
 * Compiles each WGSL module once and each (entry point, override constants)
 * pipeline once; kernels ask here instead of compiling themselves. Compile
 * errors come back as ShaderCompileError naming the kernel and the line.
 */
export class PipelineCache {
  private readonly modules = new Map<string, Promise<GPUShaderModule>>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  private module(kernel: string, code: string): Promise<GPUShaderModule> {
    let m = this.modules.get(kernel);
    if (!m) {
      m = (async () => {
        const module = this.device.createShaderModule({ label: kernel, code });
        const info = await module.getCompilationInfo();
        const errors = info.messages.filter((x) => x.type === 'error');
        if (errors.length)
          throw new ShaderCompileError(kernel, errors.map((x) => `line ${x.lineNum}:${x.linePos} ${x.message}`).join('; '));
        return module;
      })();
      this.modules.set(kernel, m);
      m.catch(() => this.modules.delete(kernel));
    }
    return m;
  }

  /** The pipeline for `entryPoint` of the kernel `kernel` (WGSL `code`) with the given overrides. */
  get(kernel: string, code: string, entryPoint: string, constants: Record<string, number> = {}): Promise<GPUComputePipeline> {
    const key = `${kernel}:${entryPoint}:${JSON.stringify(constants)}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = (async () => {
        const module = await this.module(kernel, code);
        try {
          return await this.device.createComputePipelineAsync({
            label: `${kernel}.${entryPoint}`,
            layout: 'auto',
            compute: { module, entryPoint, constants },
          });
        } catch (e) {
          throw new ShaderCompileError(kernel, `pipeline '${entryPoint}' ${JSON.stringify(constants)}: ${(e as Error).message}`);
        }
      })();
      this.pipelines.set(key, p);
      p.catch(() => this.pipelines.delete(key));
    }
    return p;
  }
}
