import { ConfigError, WeightsFormatError } from '../errors.js';
import { type ModelConfig, validateConfig } from './config.js';
import { parseSafetensors, readTensorF32, type SafetensorsFile, type TensorToWrite, writeSafetensors } from './safetensors.js';
import type { WeightDtype } from '../numeric/dtype.js';
import { type ModelWeights, transpose } from './weights.js';

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

function configFromMetadata(meta: Record<string, string>, name: string): ModelConfig | undefined {
  if (!META_KEYS.every(([, k]) => k in meta)) return undefined;
  const c = { name } as ModelConfig;
  for (const [ours, theirs] of META_KEYS) (c as unknown as Record<string, number>)[ours] = Number(meta[theirs]);
  return c;
}

/**
 * Loads a checkpoint. The config comes from the file's metadata when it has
 * every key, else from `fallback` (a preset the caller names); either way every
 * tensor's shape is checked against it. F16 files stay f16 on the GPU; F32 and
 * BF16 files become f32 (bf16 widens exactly; it has no exact f16 form).
 */
export function loadCheckpoint(bytes: Uint8Array, fallback?: ModelConfig): ModelWeights {
  const file = parseSafetensors(bytes);
  const config = configFromMetadata(file.metadata, 'checkpoint') ?? (fallback && { ...fallback, name: `${fallback.name} (checkpoint)` });
  if (!config)
    throw new ConfigError('the weights file has no model config in its metadata; name one with --model so its shapes can be checked');
  validateConfig(config);
  const { dModel: D, heads: H, kvHeads: Hkv, headDim: Dh, ffnDim: F, vocab: V, layers: L } = config;
  const dtypes = new Set<string>();
  const get = (name: string, shape: number[]): Float32Array => {
    const t = file.tensors.get(name);
    if (!t) throw new WeightsFormatError('missing-tensor', `tensor '${name}' is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      throw new WeightsFormatError('bad-shape', `tensor '${name}' has shape [${t.shape.join(',')}], the config needs [${shape.join(',')}]`);
    dtypes.add(t.dtype);
    return readTensorF32(file, t);
  };
  // [out, in] -> [in, out]
  const mat = (name: string, out: number, inp: number) => transpose(get(name, [out, inp]), out, inp);
  const concatColumns = (K: number, parts: Float32Array[], widths: number[]) => {
    const N = widths.reduce((a, b) => a + b, 0);
    const m = new Float32Array(K * N);
    for (let k = 0; k < K; k++) {
      let c = 0;
      parts.forEach((p, i) => {
        m.set(p.subarray(k * widths[i]!, (k + 1) * widths[i]!), k * N + c);
        c += widths[i]!;
      });
    }
    return m;
  };
  const layers = [];
  for (let i = 0; i < L; i++) {
    const p = `model.layers.${i}.`;
    const q = mat(`${p}self_attn.q_proj.weight`, H * Dh, D);
    const k = mat(`${p}self_attn.k_proj.weight`, Hkv * Dh, D);
    const v = mat(`${p}self_attn.v_proj.weight`, Hkv * Dh, D);
    const gate = mat(`${p}mlp.gate_proj.weight`, F, D);
    const up = mat(`${p}mlp.up_proj.weight`, F, D);
    layers.push({
      attnNorm: get(`${p}input_layernorm.weight`, [D]),
      wqkv: concatColumns(D, [q, k, v], [H * Dh, Hkv * Dh, Hkv * Dh]),
      wo: mat(`${p}self_attn.o_proj.weight`, D, H * Dh),
      mlpNorm: get(`${p}post_attention_layernorm.weight`, [D]),
      wGateUp: concatColumns(D, [gate, up], [F, F]),
      wDown: mat(`${p}mlp.down_proj.weight`, D, F),
    });
  }
  const embed = get('model.embed_tokens.weight', [V, D]);
  // Tied embeddings (no lm_head) are common in small Llamas.
  const lmHead = file.tensors.has('lm_head.weight') ? mat('lm_head.weight', V, D) : transpose(embed, V, D);
  const dtype: WeightDtype = dtypes.size === 1 && dtypes.has('F16') ? 'f16' : 'f32';
  return { config, dtype, embed, layers, finalNorm: get('model.norm.weight', [D]), lmHead };
}

/** Writes weights as a Llama-named checkpoint with the config in its metadata. */
export function saveCheckpoint(w: ModelWeights, dtype: 'F32' | 'F16' = w.dtype === 'f16' ? 'F16' : 'F32'): Uint8Array {
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
  });
  t.push(
    { name: 'model.norm.weight', shape: [D], data: w.finalNorm },
    { name: 'lm_head.weight', shape: [V, D], data: cols(w.lmHead, D, V, 0, V) },
  );
  const meta: Record<string, string> = {};
  for (const [ours, theirs] of META_KEYS) meta[theirs] = String(c[ours]);
  return writeSafetensors(t, dtype, meta);
}

export type { SafetensorsFile };
