import { ShaderCompileError } from '../errors.js';

/** One compiled WGSL source and the pipelines made from it, by entry point and constants. */
interface ModuleEntry {
  module: Promise<GPUShaderModule>;
  pipelines: Map<string, Promise<GPUComputePipeline>>;
}

/**
 * Compiles each WGSL source once and each (entry point, override constants) pipeline of it
 * once; kernels ask here instead of compiling themselves. Keyed by what is compiled, the
 * assembled source itself, never by a kernel's name alone: two variants of one kernel (the
 * same name, other helpers appended) are two modules, so a test that compares them runs
 * both. The label only names the kernel in errors and in the browser's tools. Compile errors
 * come back as ShaderCompileError naming the kernel and the line.
 */
export class PipelineCache {
  private readonly modules = new Map<string, ModuleEntry>();

  constructor(private readonly device: GPUDevice) {}

  /** Distinct WGSL sources compiled (or compiling). */
  get moduleCount(): number {
    return this.modules.size;
  }

  /** Distinct pipelines made (or being made), over every source. */
  get pipelineCount(): number {
    let n = 0;
    for (const m of this.modules.values()) n += m.pipelines.size;
    return n;
  }

  private entry(label: string, code: string): ModuleEntry {
    let m = this.modules.get(code);
    if (!m) {
      const module = (async () => {
        // In an error scope: a source that fails is reported here, as ShaderCompileError, and
        // not left as the device's uncaptured error for an unrelated call to trip over.
        this.device.pushErrorScope('validation');
        const module = this.device.createShaderModule({ label, code });
        const scoped = this.device.popErrorScope();
        const info = await module.getCompilationInfo();
        await scoped;
        const errors = info.messages.filter((x) => x.type === 'error');
        if (errors.length) throw new ShaderCompileError(label, errors.map((x) => `line ${x.lineNum}:${x.linePos} ${x.message}`).join('; '));
        return module;
      })();
      const entry: ModuleEntry = { module, pipelines: new Map() };
      this.modules.set(code, entry);
      m = entry;
      // A source that failed is compiled again if asked again (it may be asked with its error fixed at run time, in tests).
      module.catch(() => this.modules.delete(code));
    }
    return m;
  }

  /** The pipeline for `entryPoint` of the WGSL `code` with the given override constants; `label` names it. */
  get(label: string, code: string, entryPoint: string, constants: Record<string, number> = {}): Promise<GPUComputePipeline> {
    const m = this.entry(label, code);
    const key = `${entryPoint}:${constantsKey(constants)}`;
    let p = m.pipelines.get(key);
    if (!p) {
      p = (async () => {
        const module = await m.module;
        try {
          return await this.device.createComputePipelineAsync({
            label: `${label}.${entryPoint}`,
            layout: 'auto',
            compute: { module, entryPoint, constants },
          });
        } catch (e) {
          throw new ShaderCompileError(label, `pipeline '${entryPoint}' ${JSON.stringify(constants)}: ${(e as Error).message}`);
        }
      })();
      m.pipelines.set(key, p);
      p.catch(() => m.pipelines.delete(key));
    }
    return p;
  }
}

/** The same constants in any order give the same key. */
function constantsKey(constants: Record<string, number>): string {
  return Object.keys(constants)
    .sort()
    .map((k) => `${k}=${constants[k]}`)
    .join(',');
}
