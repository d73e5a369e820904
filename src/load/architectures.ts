import { ModelFilesError, UnsupportedModelError } from '../errors.js';
import type { ModelConfig } from '../model/config.js';
import { ropeFactorsLlama3 } from '../numeric/rope-table.js';
import type { GgufValue } from './gguf.js';

// The model families the engine runs, as Hugging Face config.json and GGUF metadata name
// them, and what each adds to the plain Llama block: Qwen2 Q|K|V biases, Qwen3 per-head Q/K
// norms, Llama 3 scaled RoPE, tied heads. Anything else is refused here, before a byte of
// weights is read.

/** Hugging Face `architectures[0]` -> our family. Mistral is a Llama below its sliding window. */
const HF_ARCHITECTURES: Record<string, Family> = {
  LlamaForCausalLM: 'llama',
  MistralForCausalLM: 'llama',
  Qwen2ForCausalLM: 'qwen2',
  Qwen3ForCausalLM: 'qwen3',
};
/** GGUF `general.architecture` -> our family (llama.cpp writes Mistral as llama). */
const GGUF_ARCHITECTURES: Record<string, Family> = { llama: 'llama', qwen2: 'qwen2', qwen3: 'qwen3' };

export type Family = 'llama' | 'qwen2' | 'qwen3';

export const SUPPORTED_MODELS =
  'Llama 1/2/3 (LlamaForCausalLM, including SmolLM and TinyLlama), Mistral (MistralForCausalLM, ' +
  'below its sliding window), Qwen2/Qwen2.5 (Qwen2ForCausalLM), Qwen3 (Qwen3ForCausalLM); ' +
  `in GGUF files the architectures ${Object.keys(GGUF_ARCHITECTURES).join(', ')}`;

/** The context a real model gets unless the caller asks for more: its KV cache is allocated whole. */
export const DEFAULT_CONTEXT = 2048;

export interface LoadOptions {
  /** Positions to allocate (default: the model's own, capped at DEFAULT_CONTEXT). */
  contextLength?: number;
}

function pickContext(modelMax: number, opts: LoadOptions, window?: number): number {
  const limit = Math.min(modelMax, window ?? Infinity);
  const want = opts.contextLength ?? Math.min(limit, DEFAULT_CONTEXT);
  if (want > limit)
    throw new UnsupportedModelError(
      'context',
      `a context of ${want} positions is past the model's ${limit}` +
        (window ? ` (its sliding window: attention here always covers the whole context, so it runs only within the window)` : ''),
    );
  return want;
}

type Json = Record<string, unknown>;

const num = (j: Json, key: string, fallback?: number): number => {
  const v = j[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ModelFilesError(`config.json: '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
};

/** A ModelConfig from a Hugging Face config.json, or an UnsupportedModelError that says what runs. */
export function configFromHf(j: Json, name: string, opts: LoadOptions = {}): { config: ModelConfig; family: Family } {
  const arch =
    Array.isArray(j.architectures) && typeof j.architectures[0] === 'string'
      ? j.architectures[0]
      : typeof j.model_type === 'string'
        ? j.model_type
        : '?';
  const family = HF_ARCHITECTURES[arch];
  if (!family) throw new UnsupportedModelError(arch, `supported: ${SUPPORTED_MODELS}`);
  const act = j.hidden_act ?? 'silu';
  if (act !== 'silu') throw new UnsupportedModelError(arch, `hidden_act ${JSON.stringify(act)}; only silu (SwiGLU) runs here`);
  if (j.attention_bias === true || j.mlp_bias === true)
    throw new UnsupportedModelError(arch, 'attention_bias or mlp_bias on a Llama; only Qwen2 has (Q|K|V) biases here');
  const scaling = j.rope_scaling as Json | null | undefined;
  const scalingType = scaling && (scaling.rope_type ?? scaling.type);
  if (scalingType && scalingType !== 'llama3' && scalingType !== 'default')
    throw new UnsupportedModelError(arch, `rope_scaling of type ${JSON.stringify(scalingType)}; only Llama 3's ('llama3') runs here`);
  const heads = num(j, 'num_attention_heads');
  const dModel = num(j, 'hidden_size');
  const theta = Math.fround(num(j, 'rope_theta', 10000));
  const headDim = num(j, 'head_dim', dModel / heads);
  const window = family === 'llama' && typeof j.sliding_window === 'number' ? j.sliding_window : undefined;
  const config: ModelConfig = {
    name,
    layers: num(j, 'num_hidden_layers'),
    dModel,
    heads,
    kvHeads: num(j, 'num_key_value_heads', heads),
    headDim,
    ffnDim: num(j, 'intermediate_size'),
    vocab: num(j, 'vocab_size'),
    contextLength: pickContext(num(j, 'max_position_embeddings'), opts, window),
    // Both as f32, as GGUF files store them and the kernels take them: one model, either container.
    ropeTheta: theta,
    normEps: Math.fround(num(j, 'rms_norm_eps', 1e-6)),
    ...(family === 'qwen2' && { qkvBias: true }),
    ...(family === 'qwen3' && { qkNorm: true }),
    ...(j.tie_word_embeddings === true && { tiedEmbeddings: true }),
  };
  if (scaling && scalingType === 'llama3')
    config.ropeFactors = ropeFactorsLlama3(headDim, theta, {
      factor: num(scaling, 'factor'),
      lowFreqFactor: num(scaling, 'low_freq_factor'),
      highFreqFactor: num(scaling, 'high_freq_factor'),
      originalContext: num(scaling, 'original_max_position_embeddings'),
    });
  return { config, family };
}

/** A ModelConfig from GGUF metadata; `rope_freqs` (Llama 3) and the head's tying are read off the tensors by the caller. */
export function configFromGguf(
  meta: Map<string, GgufValue>,
  vocabFromTensors: number,
  name: string,
  opts: LoadOptions = {},
): { config: ModelConfig; family: Family } {
  const arch = String(meta.get('general.architecture') ?? '?');
  const family = GGUF_ARCHITECTURES[arch];
  if (!family) throw new UnsupportedModelError(arch, `supported: ${SUPPORTED_MODELS}`);
  const get = (key: string, fallback?: number): number => {
    const v = meta.get(`${arch}.${key}`) ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ModelFilesError(`GGUF metadata '${arch}.${key}' must be a number, got ${String(v)}`);
    return v;
  };
  const heads = get('attention.head_count');
  const dModel = get('embedding_length');
  const headDim = get('attention.key_length', dModel / heads);
  const ropeDims = get('rope.dimension_count', headDim);
  if (ropeDims !== headDim)
    throw new UnsupportedModelError(
      arch,
      `RoPE over ${ropeDims} of ${headDim} head dimensions (partial rotary); the RoPE kernel turns whole heads, so it is refused`,
    );
  const scaling = meta.get(`${arch}.rope.scaling.type`);
  if (scaling !== undefined && scaling !== 'none')
    throw new UnsupportedModelError(arch, `rope scaling '${String(scaling)}'; only Llama 3's (a rope_freqs tensor) runs here`);
  const config: ModelConfig = {
    name,
    layers: get('block_count'),
    dModel,
    heads,
    kvHeads: get('attention.head_count_kv', heads),
    headDim,
    ffnDim: get('feed_forward_length'),
    vocab: get('vocab_size', vocabFromTensors),
    contextLength: pickContext(get('context_length'), opts),
    ropeTheta: get('rope.freq_base', 10000),
    normEps: get('attention.layer_norm_rms_epsilon'),
    ...(family === 'qwen2' && { qkvBias: true }),
    ...(family === 'qwen3' && { qkNorm: true }),
  };
  return { config, family };
}

/** The GGUF name of a Hugging Face tensor name (llama.cpp's convert_hf_to_gguf.py mapping). */
export function ggufName(hf: string): string {
  const fixed: Record<string, string> = {
    'model.embed_tokens.weight': 'token_embd.weight',
    'model.norm.weight': 'output_norm.weight',
    'lm_head.weight': 'output.weight',
  };
  if (fixed[hf]) return fixed[hf];
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hf);
  if (!m) throw new Error(`no GGUF name for '${hf}'`);
  const parts: Record<string, string> = {
    'input_layernorm.weight': 'attn_norm.weight',
    'self_attn.q_proj.weight': 'attn_q.weight',
    'self_attn.k_proj.weight': 'attn_k.weight',
    'self_attn.v_proj.weight': 'attn_v.weight',
    'self_attn.q_proj.bias': 'attn_q.bias',
    'self_attn.k_proj.bias': 'attn_k.bias',
    'self_attn.v_proj.bias': 'attn_v.bias',
    'self_attn.o_proj.weight': 'attn_output.weight',
    'self_attn.q_norm.weight': 'attn_q_norm.weight',
    'self_attn.k_norm.weight': 'attn_k_norm.weight',
    'post_attention_layernorm.weight': 'ffn_norm.weight',
    'mlp.gate_proj.weight': 'ffn_gate.weight',
    'mlp.up_proj.weight': 'ffn_up.weight',
    'mlp.down_proj.weight': 'ffn_down.weight',
  };
  const p = parts[m[2]!];
  if (!p) throw new Error(`no GGUF name for '${hf}'`);
  return `blk.${m[1]}.${p}`;
}

/**
 * llama.cpp's converter reorders the rows of a `llama` model's Q and K projections so that
 * its RoPE, which pairs neighbouring values, matches the rotate-half pairing of Hugging Face
 * checkpoints (convert_hf_to_gguf.py, LlamaModel.permute): within each head, row
 * half * Dh/2 + i moves to 2i + half. `permuteQK` does that; `unpermuteQK` undoes it on load,
 * since our RoPE pairs rotate-half. rows = heads * Dh, each row `cols` long.
 */
export function permuteQK(w: Float32Array, heads: number, cols: number, inverse = false): Float32Array {
  const Dh = w.length / cols / heads;
  const half = Dh / 2;
  const out = new Float32Array(w.length);
  for (let h = 0; h < heads; h++)
    for (let s = 0; s < 2; s++)
      for (let i = 0; i < half; i++) {
        const hfRow = h * Dh + s * half + i;
        const ggRow = h * Dh + 2 * i + s;
        const [from, to] = inverse ? [ggRow, hfRow] : [hfRow, ggRow];
        out.set(w.subarray(from * cols, (from + 1) * cols), to * cols);
      }
  return out;
}
export const unpermuteQK = (w: Float32Array, heads: number, cols: number) => permuteQK(w, heads, cols, true);
