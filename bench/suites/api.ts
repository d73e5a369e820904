// The engine's bench API, the same in both runtimes: bench/runner.ts exposes it in the
// browser page as window.engineRunner, bench/cli/node-runtime.ts calls it in-process under
// Dawn. Each call builds the kernel set it runs with from the adapter and the caller's
// overrides (--kernels): a value, so nothing retunes a live context. Typed engine errors
// are returned, not thrown, so the CLI can print their code and message whichever side ran.
import {
  chooseKernels,
  EngineError,
  generate,
  GpuModel,
  loadCheckpoint,
  overrideKernels,
  preset,
  PRESETS,
  syntheticWeights,
  type GpuContext,
  type KernelOverrides,
  type ModelWeights,
  type WeightDtype,
} from '../../src/index.js';
import { suiteNamed, type SuiteName } from './registry.js';
import type { RunAdapter, SuiteEnv } from './suite.js';
import { verify, type VerifyRequest } from './verify.js';

export interface RunnerModelSpec {
  model: string;
  dtype: WeightDtype;
  seed: number;
  /** Where the CLI serves a safetensors file, instead of synthetic weights. */
  weightsUrl?: string;
}

export interface RunnerGenerateRequest extends RunnerModelSpec {
  prompt: number[];
  maxTokens: number;
  stopIds?: number[];
}

export type RunnerResult<T> = { ok: true; value: T } | { ok: false; error: { name: string; code: string; message: string } };

export interface ApiHost {
  gpu: () => Promise<GpuContext>;
  fetchBytes: (url: string) => Promise<Uint8Array>;
  progress: (message: string) => void;
}

async function guard<T>(fn: () => Promise<T>): Promise<RunnerResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    const err = e as Error;
    return { ok: false, error: { name: err.name, code: e instanceof EngineError ? e.code : 'INTERNAL', message: err.message } };
  }
}

export function makeEngineApi(host: ApiHost) {
  // A served model (bench --model PATH) is parsed once and kept for every suite that runs it.
  const servedModels = new Map<string, Promise<ModelWeights>>();
  const served = (url: string): Promise<ModelWeights> => {
    let w = servedModels.get(url);
    if (!w) servedModels.set(url, (w = host.fetchBytes(url).then((bytes) => loadCheckpoint(bytes))));
    return w;
  };
  const env = async (overrides: KernelOverrides = {}): Promise<SuiteEnv> => {
    const ctx = await host.gpu();
    return { ctx, kernels: overrideKernels(chooseKernels(ctx.adapter), overrides), served };
  };
  const weightsFor = async (spec: RunnerModelSpec): Promise<ModelWeights> =>
    spec.weightsUrl
      ? loadCheckpoint(await host.fetchBytes(spec.weightsUrl), spec.model in PRESETS ? preset(spec.model) : undefined)
      : syntheticWeights(preset(spec.model), spec.dtype, spec.seed);
  return {
    /** The adapter, and the kernel set chosen for it with these overrides. */
    adapter: (overrides?: KernelOverrides) =>
      guard(async (): Promise<RunAdapter> => {
        const { ctx, kernels } = await env(overrides);
        return { ...ctx.adapter, kernels };
      }),
    /** One suite's measurement (bench/suites/registry.ts) on this runtime's GPU. */
    runSuite: (name: SuiteName, request: unknown, overrides?: KernelOverrides) =>
      guard(async () => {
        const suite = suiteNamed(name);
        if (!suite) throw new EngineError('BAD_SUITE', `no suite '${name}'`);
        const run = suite.run as (e: SuiteEnv, r: unknown, p: (m: string) => void) => Promise<unknown>;
        return run(await env(overrides), request, host.progress);
      }),
    verify: (req: VerifyRequest, overrides?: KernelOverrides) => guard(async () => verify(await env(overrides), req, host.progress)),
    generate: (req: RunnerGenerateRequest) =>
      guard(async () => {
        const { ctx, kernels } = await env();
        const model = await GpuModel.create(ctx, await weightsFor(req), { kernels });
        try {
          const result = await generate(model, req.prompt, { maxTokens: req.maxTokens, stopIds: req.stopIds });
          return { ...result, adapter: ctx.adapter, weightBytes: model.weightBytes };
        } finally {
          model.destroy();
        }
      }),
    /** Logits of every prompt row, as plain numbers (to compare runtimes bit for bit). */
    promptLogits: (req: RunnerModelSpec & { prompt: number[] }) =>
      guard(async () => {
        const { ctx, kernels } = await env();
        const model = await GpuModel.create(ctx, await weightsFor(req), { kernels });
        try {
          const rows = req.prompt.map((_, i) => i);
          const out = await model.step({ tokens: req.prompt, positions: rows, logitRows: rows, phase: 'prefill' }, { readLogits: true });
          return Array.from(new Uint32Array(out.logits!.buffer)); // bit patterns survive JSON exactly
        } finally {
          model.destroy();
        }
      }),
  };
}

export type EngineRunner = ReturnType<typeof makeEngineApi>;
