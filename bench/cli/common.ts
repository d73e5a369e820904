import { existsSync, readFileSync } from 'node:fs';
import { EngineError, loadCheckpoint, preset, PRESETS, syntheticWeights, type ModelWeights, type WeightDtype } from '../../src/index.js';
import type { RunnerResult } from '../suites/api.js';

export { parse } from '../suites/options.js';

/** An engine error that happened inside the browser page, carried back with its code. */
export class PageEngineError extends EngineError {}

export function unwrap<T>(r: RunnerResult<T>): T {
  if (r.ok) return r.value;
  throw new PageEngineError(r.error.code, r.error.message);
}

/** Whether --model names a path (a Hugging Face folder or a .gguf) rather than a preset. */
export const isModelPath = (model: string) => !(model in PRESETS) && existsSync(model);

/**
 * Weights from a checkpoint file (checked here, in Node, before any browser starts) or synthetic ones.
 * A real model (`--model PATH`) is loaded by the caller (loadModelPath) and travels the same way.
 */
export async function loadWeights(opts: { model: string; dtype: WeightDtype; seed: number; weights?: string }): Promise<{
  weights: ModelWeights;
  fileBytes?: Uint8Array;
}> {
  if (!opts.weights) return { weights: syntheticWeights(preset(opts.model), opts.dtype, opts.seed) };
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(opts.weights);
  } catch (e) {
    throw new EngineError('BAD_WEIGHTS', `Cannot read weights file ${opts.weights}: ${(e as Error).message}`);
  }
  return { weights: await loadCheckpoint(bytes, preset(opts.model)), fileBytes: bytes };
}
