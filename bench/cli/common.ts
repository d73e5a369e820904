import { readFileSync } from 'node:fs';
import { EngineError, loadCheckpoint, preset, syntheticWeights, type ModelWeights, type WeightDtype } from '../../src/index.js';
import type { RunnerResult } from '../suites/api.js';

export { parse } from '../suites/options.js';

/** An engine error that happened inside the browser page, carried back with its code. */
export class PageEngineError extends EngineError {}

export function unwrap<T>(r: RunnerResult<T>): T {
  if (r.ok) return r.value;
  throw new PageEngineError(r.error.code, r.error.message);
}

/** Weights from a checkpoint file (checked here, in Node, before any browser starts) or synthetic ones. */
export function loadWeights(opts: { model: string; dtype: WeightDtype; seed: number; weights?: string }): {
  weights: ModelWeights;
  fileBytes?: Uint8Array;
} {
  if (!opts.weights) return { weights: syntheticWeights(preset(opts.model), opts.dtype, opts.seed) };
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(opts.weights);
  } catch (e) {
    throw new EngineError('BAD_WEIGHTS', `Cannot read weights file ${opts.weights}: ${(e as Error).message}`);
  }
  return { weights: loadCheckpoint(bytes, preset(opts.model)), fileBytes: bytes };
}
