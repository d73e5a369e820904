import { ConfigError } from '../errors.js';

/**
 * Dimension letters used across the code base (shape comments like `// [T, D]`):
 *   B  sequences decoded together in one step     T  token rows in one step
 *   D  model width                                H  query heads
 *   Hkv key/value heads (H is a multiple of Hkv)  Dh head size (D need not equal H * Dh)
 *   F  MLP hidden width                           V  vocabulary size
 *   L  layers                                     C  context length (positions 0..C-1)
 */
export interface ModelConfig {
  name: string;
  layers: number; // L
  dModel: number; // D
  heads: number; // H
  kvHeads: number; // Hkv
  headDim: number; // Dh
  ffnDim: number; // F
  vocab: number; // V
  contextLength: number; // C
  ropeTheta: number;
  normEps: number;
  /** Qwen2: the Q, K and V projections add a bias (one [(H + 2 Hkv) Dh] vector a layer). */
  qkvBias?: boolean;
  /** Qwen3: each query and key head is RMS-normed over Dh (gains [Dh] a layer) before RoPE. */
  qkNorm?: boolean;
  /**
   * Llama 3's scaled RoPE: pair i's angle is divided by ropeFactors[i] (Dh/2 of them, f32),
   * as llama.cpp's `rope_freqs` tensor holds them; ropeFactorsLlama3 makes them from config.json.
   */
  ropeFactors?: readonly number[];
  /** The LM head is the embedding table (SmolLM, TinyLlama, Llama 3.2, small Qwens): written once in files. */
  tiedEmbeddings?: boolean;
}

/** Byte-level vocabulary: 256 byte values, then BOS and EOS. */
export const BYTE_VOCAB = 258;

const base = { vocab: BYTE_VOCAB, ropeTheta: 10000, normEps: 1e-5 };

/**
 * Presets. `tiny` is for tests: awkward-ish sizes, fast on a software adapter.
 * `small` is the default. The rest grow the weights for sweeps (f32 bytes in
 * the comment) so decode can be watched turning memory-bound.
 */
export const PRESETS: Record<string, ModelConfig> = {
  tiny: { ...base, name: 'tiny', layers: 2, dModel: 64, heads: 4, kvHeads: 2, headDim: 16, ffnDim: 172, contextLength: 256 }, // ~0.3 MiB
  small: { ...base, name: 'small', layers: 4, dModel: 256, heads: 8, kvHeads: 4, headDim: 32, ffnDim: 688, contextLength: 512 }, // ~11 MiB
  // ~90 MiB
  medium: { ...base, name: 'medium', layers: 8, dModel: 512, heads: 8, kvHeads: 4, headDim: 64, ffnDim: 1376, contextLength: 1024 },
  // ~530 MiB
  large: { ...base, name: 'large', layers: 12, dModel: 1024, heads: 16, kvHeads: 8, headDim: 64, ffnDim: 2752, contextLength: 1024 },
};

export const DEFAULT_PRESET = 'small';

export function preset(name: string): ModelConfig {
  const c = PRESETS[name];
  if (!c) throw new ConfigError(`unknown model '${name}'; known: ${Object.keys(PRESETS).join(', ')}`);
  return { ...c };
}

/** Largest head size the attention kernel keeps in registers. */
export const MAX_HEAD_DIM = 128;

/** Checks that a config describes a model the kernels can run; throws ConfigError. */
export function validateConfig(c: ModelConfig): void {
  const ints: (keyof ModelConfig)[] = ['layers', 'dModel', 'heads', 'kvHeads', 'headDim', 'ffnDim', 'vocab', 'contextLength'];
  for (const k of ints) {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`${k} must be a positive integer, got ${v}`);
  }
  if (c.heads % c.kvHeads !== 0) throw new ConfigError(`heads (${c.heads}) must be a multiple of kvHeads (${c.kvHeads})`);
  if (c.headDim % 4 !== 0 || c.headDim > MAX_HEAD_DIM)
    throw new ConfigError(
      `headDim must be a multiple of 4 and at most ${MAX_HEAD_DIM} (attention keeps a head in vec4 registers), got ${c.headDim}`,
    );
  if (!(c.ropeTheta > 0)) throw new ConfigError(`ropeTheta must be positive, got ${c.ropeTheta}`);
  if (!(c.normEps > 0)) throw new ConfigError(`normEps must be positive, got ${c.normEps}`);
  if (c.ropeFactors && (c.ropeFactors.length !== c.headDim / 2 || !c.ropeFactors.every((f) => f > 0)))
    throw new ConfigError(`ropeFactors must hold headDim / 2 = ${c.headDim / 2} positive numbers, got ${c.ropeFactors.length}`);
}

/** Width of the fused Q|K|V projection output. */
export const qkvWidth = (c: ModelConfig) => (c.heads + 2 * c.kvHeads) * c.headDim;

/** Parameters held in matrices (what decode must read per token), embedding table excluded. */
export function matrixParams(c: ModelConfig): number {
  const perLayer = c.dModel * qkvWidth(c) + c.heads * c.headDim * c.dModel + c.dModel * 2 * c.ffnDim + c.ffnDim * c.dModel;
  return c.layers * perLayer + c.dModel * c.vocab;
}
