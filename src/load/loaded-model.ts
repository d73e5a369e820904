import type { ModelWeights } from '../model/weights.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import type { Family } from './architectures.js';

/** A real model, ready for the GPU: its weights, its tokenizer (with EOS ids and chat template), where it came from. */
export interface LoadedModel {
  weights: ModelWeights;
  tokenizer: TextTokenizer;
  family: Family;
  format: 'hf' | 'gguf';
  name: string;
}
