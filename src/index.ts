// The public API: what the bench, the CLI and users import. Nothing else lives here.
export * from './errors.js';
export { acquireGpu, type AcquireOptions } from './gpu/device.js';
export { GpuContext, type AdapterReport } from './gpu/context.js';
export { chooseKernels, overrideKernels, describeKernels, type KernelSet, type KernelOverrides } from './kernels/kernel-set.js';
export { type ModelConfig, PRESETS, DEFAULT_PRESET, preset, validateConfig, matrixParams, BYTE_VOCAB } from './model/config.js';
export { type ModelWeights, syntheticWeights, weightBytes } from './model/weights.js';
export type { WeightDtype } from './numeric/dtype.js';
export { loadCheckpoint, saveCheckpoint } from './model/checkpoint.js';
export { parseSafetensors, writeSafetensors } from './model/safetensors.js';
export { encode, decode, BOS, EOS } from './model/tokenizer.js';
export { GpuModel, type StepInput, type StepOutput, type GpuModelOptions } from './model/gpu-model.js';
export { KV_BLOCK_SIZE, kvBlockBytes, kvBlocksFor, type KvCapacity } from './model/kv-cache.js';
export { generate, type GenerateOptions, type GenerateResult } from './model/generate.js';
export { checkRequest } from './model/request.js';
export { CpuModel } from './ref/forward.js';
export { PassTimer } from './gpu/timer.js';
export { Engine, DEFAULT_MAX_SEQS, type EngineOptions, type SubmitRequest, type EngineStats, type StepRecord } from './serve/engine.js';
export { RequestHandle, type RequestResult } from './serve/handle.js';
export { GpuExecutor } from './serve/gpu-executor.js';
export { Scheduler, type SchedulerOptions } from './sched/scheduler.js';
export { makePolicy, POLICY_NAMES, SerialPolicy, StaticPolicy, ContinuousPolicy } from './sched/policies/index.js';
export type { Policy, Grant, SchedulerView } from './sched/policy.js';
export type { RequestSpec, StepPlan, PlanItem, SchedEvent } from './sched/types.js';
export {
  requestMetrics,
  summarize,
  percentile,
  idleFromSerial,
  slowdown,
  type IdleFigures,
  type RequestMetrics,
  type RunSummary,
  type Slo,
} from './sched/metrics.js';
export {
  parseTrace,
  seedWorkload,
  poissonWorkload,
  atRate,
  toRequests,
  WorkloadError,
  type TraceEntry,
  type PoissonOptions,
} from './sched/workload.js';
export {
  simulate,
  capacityRps,
  saturatingArrivals,
  rateModel,
  modelledIdle,
  type StepTimeModel,
  type SimulationResult,
} from './sched/simulate.js';
export { TextTokenizer } from './text/tokenizer.js';
export { ChatTemplate, type ChatMessage } from './text/chat.js';
export { TextStream, type StreamPiece } from './text/stream.js';
export { type LoadedModel, type OpenedModel, type RealModel } from './load/loaded-model.js';
export { loadHfFolder, openHfFolder } from './load/hf-folder.js';
export { loadGguf, openGguf } from './load/gguf-model.js';
export { openModelFiles } from './load/browser-files.js';
export { type WeightSource, streamWeights, materialize, weightSource } from './model/build-weights.js';
export { blobSource, memorySource, type ByteSource } from './load/byte-source.js';
export { filesFolder, memoryFolder, type ModelFolder } from './load/model-folder.js';
export { SUPPORTED_MODELS, DEFAULT_CONTEXT, type LoadOptions, type Family } from './load/architectures.js';
export { hfFolderFiles, ggufModelFile } from './load/write-model.js';
