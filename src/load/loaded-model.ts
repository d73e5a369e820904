import type { WeightSource } from '../model/build-weights.js';
import type { ModelWeights } from '../model/weights.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import type { Family } from './architectures.js';

/** A real model: its weights, its tokenizer (with EOS ids and chat template), where it came from. */
export interface RealModel<W> {
  weights: W;
  tokenizer: TextTokenizer;
  family: Family;
  format: 'hf' | 'gguf';
  name: string;
}

/** A real model read whole into memory (the CPU reference, checkpoints, the CLI's runtimes). */
export type LoadedModel = RealModel<ModelWeights>;

/**
 * A real model whose weights are read as they are uploaded (GpuModel.create takes the
 * source): never whole in memory. `close` lets go of its files once the GPU has them.
 */
export type OpenedModel = RealModel<WeightSource> & { close(): Promise<void> };
