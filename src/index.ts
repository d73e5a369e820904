// The public API: what the bench, the CLI and users import. Nothing else lives here.
export * from './errors.js';
export { acquireGpu, type AcquireOptions } from './gpu/device.js';
export { GpuContext, type AdapterReport } from './gpu/context.js';
export type { Tuning } from './gpu/tuning.js';
export { type ModelConfig, PRESETS, DEFAULT_PRESET, preset, validateConfig, matrixParams, BYTE_VOCAB } from './model/config.js';
export { type ModelWeights, type WeightDtype, syntheticWeights, weightBytes } from './model/weights.js';
export { loadCheckpoint, saveCheckpoint } from './model/checkpoint.js';
export { parseSafetensors, writeSafetensors } from './model/safetensors.js';
export { encode, decode, BOS, EOS } from './model/tokenizer.js';
export { GpuModel, type StepInput, type StepOutput, type GpuModelOptions } from './model/gpu-model.js';
export { generate, type GenerateOptions, type GenerateResult } from './model/generate.js';
export { checkRequest } from './model/request.js';
export { CpuModel } from './ref/forward.js';
