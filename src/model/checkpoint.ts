import { ConfigError, WeightsFormatError } from '../errors.js';
import { type ModelConfig, validateConfig } from './config.js';
import { parseSafetensors, readTensorF32, type SafetensorsFile, type TensorToWrite, writeSafetensors } from './safetensors.js';
import { buildWeights, type TensorReader } from './build-weights.js';
import type { ModelWeights } from './weights.js';

/**
 * Llama checkpoints <-> ModelWeights. Names follow the Hugging Face Llama
 * layout (`model.layers.{i}.self_attn.q_proj.weight`, ...); matrices there are
 * [out, in] and are transposed to our [in, out]. RoPE uses the same
 * rotate-half pairing as that layout, so its q/k weights need no permutation.
 */

/** Config keys read from (and written to) `__metadata__`, as HF config.json names them. */
const META_KEYS: [keyof ModelConfig, string][] = [
  ['layers', 'num_hidden_layers'],
  ['dModel', 'hidden_size'],
  ['heads', 'num_attention_heads'],
  ['kvHeads', 'num_key_value_heads'],
  ['headDim', 'head_dim'],
  ['ffnDim', 'intermediate_size'],
  ['vocab', 'vocab_size'],
  ['contextLength', 'max_position_embeddings'],
  ['ropeTheta', 'rope_theta'],
  ['normEps', 'rms_norm_eps'],
];

/** The whole config as JSON, for what the Hugging Face keys cannot say (biases, Q/K norms, RoPE factors, a tied head). */
const CONFIG_KEY = 'engine.config';

function configFromMetadata(meta: Record<string, string>, name: string): ModelConfig | undefined {
  if (meta[CONFIG_KEY]) {
    try {
      return JSON.parse(meta[CONFIG_KEY]) as ModelConfig;
    } catch {
      throw new WeightsFormatError('bad-header', `metadata '${CONFIG_KEY}' is not valid JSON`);
    }
  }
  if (!META_KEYS.every(([, k]) => k in meta)) return undefined;
  const c = { name } as ModelConfig;
  for (const [ours, theirs] of META_KEYS) (c as unknown as Record<string, number>)[ours] = Number(meta[theirs]);
  return c;
}

/**
 * Loads a single-file checkpoint held in memory. The config comes from the file's metadata
 * when it has every key, else from `fallback` (a preset the caller names); either way every
 * tensor's shape is checked against it (build-weights.ts). Model folders and GGUF files
 * load through src/load/.
 */
export async function loadCheckpoint(bytes: Uint8Array, fallback?: ModelConfig): Promise<ModelWeights> {
  const file = parseSafetensors(bytes);
  const config = configFromMetadata(file.metadata, 'checkpoint') ?? (fallback && { ...fallback, name: `${fallback.name} (checkpoint)` });
  if (!config)
    throw new ConfigError('the weights file has no model config in its metadata; name one with --model so its shapes can be checked');
  validateConfig(config);
  return buildWeights(config, safetensorsReader([file]));
}

/** A TensorReader over parsed safetensors files (one, or a folder's shards) whose bytes are in memory. */
export function safetensorsReader(files: readonly SafetensorsFile[]): TensorReader {
  const where = new Map<string, SafetensorsFile>();
  for (const f of files) for (const name of f.tensors.keys()) where.set(name, f);
  const info = (name: string) => where.get(name)!.tensors.get(name)!;
  return {
    has: (name) => where.has(name),
    shape: (name) => info(name).shape,
    dtype: (name) => info(name).dtype,
    read: (name) => Promise.resolve(readTensorF32(where.get(name)!, info(name))),
  };
}

/** Writes weights as a Llama-named checkpoint with the config in its metadata. */
export function saveCheckpoint(w: ModelWeights, dtype: 'F32' | 'F16' = w.dtype === 'f16' ? 'F16' : 'F32'): Uint8Array {
  const meta: Record<string, string> = {};
  for (const [ours, theirs] of META_KEYS) meta[theirs] = String(w.config[ours]);
  meta[CONFIG_KEY] = JSON.stringify(w.config);
  return writeSafetensors(hfTensors(w), dtype, meta);
}

/** The weights as Hugging Face names them, [out, in] matrices; a tied head is left out (it is the embedding). */
export function hfTensors(w: ModelWeights): TensorToWrite[] {
  const c = w.config;
  const { dModel: D, heads: H, kvHeads: Hkv, headDim: Dh, ffnDim: F, vocab: V } = c;
  const Nqkv = (H + 2 * Hkv) * Dh;
  // Our [in, out] with columns [c0, c0 + n) -> checkpoint [n, in].
  const cols = (m: Float32Array, K: number, N: number, c0: number, n: number) => {
    const out = new Float32Array(n * K);
    for (let k = 0; k < K; k++) for (let j = 0; j < n; j++) out[j * K + k] = m[k * N + c0 + j]!;
    return out;
  };
  const t: TensorToWrite[] = [{ name: 'model.embed_tokens.weight', shape: [V, D], data: w.embed }];
  w.layers.forEach((l, i) => {
    const p = `model.layers.${i}.`;
    t.push(
      { name: `${p}input_layernorm.weight`, shape: [D], data: l.attnNorm },
      { name: `${p}self_attn.q_proj.weight`, shape: [H * Dh, D], data: cols(l.wqkv, D, Nqkv, 0, H * Dh) },
      { name: `${p}self_attn.k_proj.weight`, shape: [Hkv * Dh, D], data: cols(l.wqkv, D, Nqkv, H * Dh, Hkv * Dh) },
      { name: `${p}self_attn.v_proj.weight`, shape: [Hkv * Dh, D], data: cols(l.wqkv, D, Nqkv, (H + Hkv) * Dh, Hkv * Dh) },
      { name: `${p}self_attn.o_proj.weight`, shape: [D, H * Dh], data: cols(l.wo, H * Dh, D, 0, D) },
      { name: `${p}post_attention_layernorm.weight`, shape: [D], data: l.mlpNorm },
      { name: `${p}mlp.gate_proj.weight`, shape: [F, D], data: cols(l.wGateUp, D, 2 * F, 0, F) },
      { name: `${p}mlp.up_proj.weight`, shape: [F, D], data: cols(l.wGateUp, D, 2 * F, F, F) },
      { name: `${p}mlp.down_proj.weight`, shape: [D, F], data: cols(l.wDown, F, D, 0, D) },
    );
    if (l.bqkv)
      t.push(
        { name: `${p}self_attn.q_proj.bias`, shape: [H * Dh], data: l.bqkv.slice(0, H * Dh) },
        { name: `${p}self_attn.k_proj.bias`, shape: [Hkv * Dh], data: l.bqkv.slice(H * Dh, (H + Hkv) * Dh) },
        { name: `${p}self_attn.v_proj.bias`, shape: [Hkv * Dh], data: l.bqkv.slice((H + Hkv) * Dh) },
      );
    if (l.qNorm && l.kNorm)
      t.push(
        { name: `${p}self_attn.q_norm.weight`, shape: [Dh], data: l.qNorm },
        { name: `${p}self_attn.k_norm.weight`, shape: [Dh], data: l.kNorm },
      );
  });
  t.push({ name: 'model.norm.weight', shape: [D], data: w.finalNorm });
  // A tied head is written once, as the embedding, as Hugging Face writes it.
  if (!c.tiedEmbeddings) t.push({ name: 'lm_head.weight', shape: [V, D], data: cols(w.lmHead, D, V, 0, V) });
  return t;
}

export type { SafetensorsFile };
