// The page the CLI opens in headless Chromium: it runs the engine on the
// page's WebGPU and hands plain JSON back to Node. Typed engine errors are
// returned, not thrown, so the CLI can print their code and message.
import {
  acquireGpu,
  EngineError,
  generate,
  GpuModel,
  loadCheckpoint,
  preset,
  syntheticWeights,
  type AdapterReport,
  type GpuContext,
  type ModelWeights,
  type WeightDtype,
} from '../src/index.js';

export interface RunnerModelSpec {
  model: string;
  dtype: WeightDtype;
  seed: number;
  /** URL the CLI serves a safetensors file at, instead of synthetic weights. */
  weightsUrl?: string;
}

export interface RunnerGenerateRequest extends RunnerModelSpec {
  prompt: number[];
  maxTokens: number;
  stopAt?: number;
}

export type RunnerResult<T> = { ok: true; value: T } | { ok: false; error: { name: string; code: string; message: string } };

import { decodeBench, type DecodeBenchRequest } from './suites/decode.js';
import { kernelBench, type KernelBenchRequest } from './suites/kernels.js';
import { serveBench, type ServeBenchRequest } from './suites/serve.js';
import { sweepBench, type SweepRequest } from './suites/sweep.js';
import { measureCeilings, type CeilingOptions } from '../src/perf/ceilings.js';

let ctx: Promise<GpuContext> | undefined;

/** Progress lines go to the console; the CLI forwards them to the terminal. */
const progress = (msg: string) => console.log(`[progress] ${msg}`);

function gpu(): Promise<GpuContext> {
  ctx ??= acquireGpu();
  return ctx;
}

async function weightsFor(spec: RunnerModelSpec): Promise<ModelWeights> {
  if (!spec.weightsUrl) return syntheticWeights(preset(spec.model), spec.dtype, spec.seed);
  const bytes = new Uint8Array(await (await fetch(spec.weightsUrl)).arrayBuffer());
  return loadCheckpoint(bytes, preset(spec.model));
}

async function guard<T>(fn: () => Promise<T>): Promise<RunnerResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    const err = e as Error;
    return { ok: false, error: { name: err.name, code: e instanceof EngineError ? e.code : 'INTERNAL', message: err.message } };
  }
}

const runner = {
  adapter: () => guard(async (): Promise<AdapterReport> => (await gpu()).adapter),
  decodeBench: (req: DecodeBenchRequest) => guard(async () => decodeBench(await gpu(), req, progress)),
  kernelBench: (req: KernelBenchRequest) => guard(async () => kernelBench(await gpu(), req, progress)),
  serveBench: (req: ServeBenchRequest) => guard(async () => serveBench(await gpu(), req, progress)),
  ceilings: (req: CeilingOptions) => guard(async () => measureCeilings(await gpu(), req, progress)),
  sweepBench: (req: SweepRequest) => guard(async () => sweepBench(await gpu(), req, progress)),
  generate: (req: RunnerGenerateRequest) =>
    guard(async () => {
      const device = await gpu();
      const model = await GpuModel.create(device, await weightsFor(req));
      try {
        const result = await generate(model, req.prompt, { maxTokens: req.maxTokens, stopAt: req.stopAt });
        return { ...result, adapter: device.adapter, weightBytes: model.weightBytes };
      } finally {
        model.destroy();
      }
    }),
};

export type EngineRunner = typeof runner;
(window as unknown as { engineRunner: EngineRunner }).engineRunner = runner;
