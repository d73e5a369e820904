// The Node runtime: the same bench API as the browser page, in-process on Dawn
// (the npm package `webgpu`), for machines without a browser. The Vulkan driver
// is the environment's choice, else the system's, else SwiftShader from an
// installed Chromium (a CPU driver: CPU numbers), and the result says which.
import { existsSync, readdirSync } from 'node:fs';
import { acquireGpu, EngineError, NoAdapterError, type GpuContext } from '../../src/index.js';
import { makeEngineApi, type EngineRunner } from '../suites/api.js';

/** SwiftShader's Vulkan driver as Debian's chromium package installs it. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/** Which Vulkan drivers Dawn will see before any fallback. */
function describeDrivers(): string {
  const fromEnv = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  if (fromEnv) return `from the environment (${fromEnv})`;
  const system = ICD_DIRS.filter(existsSync).flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.json'))
      .map((f) => `${d}/${f}`),
  );
  return system.length ? `system Vulkan drivers (${system.join(', ')})` : 'no system Vulkan driver';
}

type Dawn = { create: (flags: string[]) => GPU; globals: Record<string, unknown> };

/**
 * An adapter from the drivers the machine has; when none gives one and the
 * environment did not choose, SwiftShader's CPU driver from an installed
 * Chromium (Dawn re-reads VK_ICD_FILENAMES for each instance).
 */
/**
 * Dawn's instances (what dawn.create returns), held until the runner ends. Nothing
 * else references an instance once its device exists, and when the garbage
 * collector frees it Dawn tears the instance down under the live device: the
 * process then dies at random (SIGSEGV, std::system_error, a hang), which is how
 * this runtime crashed on most runs before.
 */
const liveInstances = new Set<GPU>();
function keepAlive(instance: GPU): GPU {
  liveInstances.add(instance);
  return instance;
}

async function acquireDawn(dawn: Dawn, onDriver?: (d: string) => void): Promise<GpuContext> {
  // Unquantized timestamps: Dawn rounds them to 65,536 ns unless told not to.
  const flags = ['disable-dawn-features=timestamp_quantization'];
  // Mesa's implicit device-select layer picks among display GPUs and, without a
  // display session, prints XDG_RUNTIME_DIR errors; it has nothing to choose for us.
  process.env.NODEVICE_SELECT ??= '1';
  const first = describeDrivers();
  const chosenByEnv = Boolean(process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES);
  try {
    const ctx = await acquireGpu({ gpu: keepAlive(dawn.create(flags)), sleepBeforeWaits: true });
    onDriver?.(first);
    return ctx;
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
    if (chosenByEnv || !existsSync(SWIFTSHADER_ICD))
      throw new NoAdapterError(
        `Dawn found no Vulkan adapter (${first}). Install the Vulkan loader and a driver: ` +
          `'apt-get install -y libvulkan1' plus your GPU's driver, or 'apt-get install -y chromium' for SwiftShader's CPU driver`,
      );
  }
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const ctx = await acquireGpu({ gpu: keepAlive(dawn.create(flags)), sleepBeforeWaits: true });
  onDriver?.(`SwiftShader from Chromium (${SWIFTSHADER_ICD}): ${first} gave no adapter`);
  return ctx;
}

type Api = EngineRunner;

/** Same calling shape as the browser's RunnerHandle. */
export interface Runner {
  call<K extends keyof Api>(name: K, ...args: Parameters<Api[K]>): ReturnType<Api[K]>;
}

export interface NodeRunnerOptions {
  files?: Record<string, Uint8Array>;
  onProgress?: (message: string) => void;
  /** Receives which driver was chosen. */
  onDriver?: (description: string) => void;
  /** Keep this process's device for the next command instead of destroying it (tests share one). */
  share?: boolean;
}

/** The device kept by a command run with `share`, and the driver it found. */
let sharedGpu: Promise<{ ctx: GpuContext; driver: string }> | undefined;

export async function withNodeRunner<T>(options: NodeRunnerOptions, fn: (runner: Runner) => Promise<T>): Promise<T> {
  let dawn: Dawn;
  try {
    dawn = (await import('webgpu')) as unknown as typeof dawn;
  } catch (e) {
    throw new EngineError(
      'NO_WEBGPU_PACKAGE',
      `The Node runtime needs the npm package 'webgpu' (Dawn), which is not installed for ${process.platform}-${process.arch} ` +
        `(${(e as Error).message.split('\n')[0]}). Run 'npm install webgpu', or use the browser runtime (the default).`,
    );
  }
  Object.assign(globalThis, dawn.globals); // GPUBufferUsage, GPUMapMode, ...
  let ctx: GpuContext;
  if (options.share) {
    sharedGpu ??= (async () => {
      let driver = '';
      const ctx = await acquireDawn(dawn, (d) => (driver = d));
      return { ctx, driver };
    })();
    const shared = await sharedGpu.catch((e: unknown) => {
      sharedGpu = undefined;
      throw e;
    });
    options.onDriver?.(shared.driver);
    ctx = shared.ctx;
  } else ctx = await acquireDawn(dawn, options.onDriver);
  const files = options.files ?? {};
  const api = makeEngineApi({
    gpu: () => Promise.resolve(ctx),
    fetchBytes: (url) => {
      const f = files[url];
      return f ? Promise.resolve(f) : Promise.reject(new Error(`no file served at ${url}`));
    },
    progress: (m) => options.onProgress?.(m),
  });
  const runner: Runner = {
    call: (name, ...args) => (api[name] as (...a: unknown[]) => unknown)(...args) as never,
  };
  try {
    return await fn(runner);
  } finally {
    if (!options.share) {
      ctx.destroy();
      liveInstances.clear();
    }
  }
}
