// The page the CLI opens in headless Chromium: the engine's bench API on the
// page's WebGPU, as window.engineRunner.
import { acquireGpu, type GpuContext } from '../src/index.js';
import { makeEngineApi } from './suites/api.js';

let ctx: Promise<GpuContext> | undefined;

const api = makeEngineApi({
  gpu: () => (ctx ??= acquireGpu()),
  fetchBytes: async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer()),
  // Progress lines go to the console; the CLI forwards them to the terminal.
  progress: (msg) => console.log(`[progress] ${msg}`),
});

(window as unknown as { engineRunner: typeof api }).engineRunner = api;
