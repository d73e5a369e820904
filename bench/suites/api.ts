// The engine's bench API, the same in both runtimes: bench/runner.ts exposes it
// in the browser page as window.engineRunner, bench/cli/node-runtime.ts calls
// it in-process under Dawn. Typed engine errors are returned, not thrown, so
// the CLI can print their code and message whichever side ran.
import {
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
} from '../../src/index.js';
import { measureCeilings, type CeilingOptions } from '../../src/perf/ceilings.js';
import type { Tuning, TuningOverrides } from '../../src/gpu/tuning.js';
import { decodeBench, type DecodeBenchRequest } from './decode.js';
import { kernelBench, type KernelBenchRequest } from './kernels.js';
import { serveBench, type ServeBenchRequest } from './serve.js';
import { sweepBench, type SweepRequest } from './sweep.js';
import { tuneBench, type TuneRequest } from './tune.js';
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
  stopAt?: number;
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
  const weightsFor = async (spec: RunnerModelSpec): Promise<ModelWeights> =>
    spec.weightsUrl
      ? loadCheckpoint(await host.fetchBytes(spec.weightsUrl), preset(spec.model))
      : syntheticWeights(preset(spec.model), spec.dtype, spec.seed);
  const { progress } = host;
  return {
    /** The adapter, and the kernel variants chosen for it (src/gpu/tuning.ts). */
    adapter: () =>
      guard(async (): Promise<AdapterReport & { tuning: Tuning }> => {
        const ctx = await host.gpu();
        return { ...ctx.adapter, tuning: ctx.tuning };
      }),
    /** Overrides the adapter's kernel tuning for everything made afterwards; returns the result. */
    retune: (overrides: TuningOverrides) => guard(async (): Promise<Tuning> => (await host.gpu()).retune(overrides)),
    decodeBench: (req: DecodeBenchRequest) => guard(async () => decodeBench(await host.gpu(), req, progress)),
    kernelBench: (req: KernelBenchRequest) => guard(async () => kernelBench(await host.gpu(), req, progress)),
    serveBench: (req: ServeBenchRequest) => guard(async () => serveBench(await host.gpu(), req, progress)),
    ceilings: (req: CeilingOptions) => guard(async () => measureCeilings(await host.gpu(), req, progress)),
    sweepBench: (req: SweepRequest) => guard(async () => sweepBench(await host.gpu(), req, progress)),
    tuneBench: (req: TuneRequest) => guard(async () => tuneBench(await host.gpu(), req, progress)),
    verify: (req: VerifyRequest) => guard(async () => verify(await host.gpu(), req, progress)),
    generate: (req: RunnerGenerateRequest) =>
      guard(async () => {
        const device = await host.gpu();
        const model = await GpuModel.create(device, await weightsFor(req));
        try {
          const result = await generate(model, req.prompt, { maxTokens: req.maxTokens, stopAt: req.stopAt });
          return { ...result, adapter: device.adapter, weightBytes: model.weightBytes };
        } finally {
          model.destroy();
        }
      }),
    /** Logits of every prompt row, as plain numbers (to compare runtimes bit for bit). */
    promptLogits: (req: RunnerModelSpec & { prompt: number[] }) =>
      guard(async () => {
        const model = await GpuModel.create(await host.gpu(), await weightsFor(req));
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
