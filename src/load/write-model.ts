import { hfTensors } from '../model/checkpoint.js';
import { writeSafetensors } from '../model/safetensors.js';
import type { ModelWeights } from '../model/weights.js';
import { type GgmlVocab } from '../text/gguf-vocab.js';
import { type Family, ggufName, permuteQK } from './architectures.js';
import { gguf, type GgufTensorToWrite, type GgufWriteValue, type LoadableType, writeGguf } from './gguf.js';

// Writing real containers around weights: a Hugging Face folder and a GGUF file, as
// transformers and llama.cpp's converter lay them out. Tests use these to make models with
// synthetic weights and real vocabularies; anyone can use them to hand our weights to llama.cpp.

const HF_ARCH: Record<Family, [string, string]> = {
  llama: ['LlamaForCausalLM', 'llama'],
  qwen2: ['Qwen2ForCausalLM', 'qwen2'],
  qwen3: ['Qwen3ForCausalLM', 'qwen3'],
};

/** config.json as transformers writes it for this family. */
export function hfConfigJson(w: ModelWeights, family: Family, eosId?: number, bosId?: number): Record<string, unknown> {
  const c = w.config;
  const [arch, type] = HF_ARCH[family];
  return {
    architectures: [arch],
    model_type: type,
    hidden_act: 'silu',
    hidden_size: c.dModel,
    intermediate_size: c.ffnDim,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    num_key_value_heads: c.kvHeads,
    head_dim: c.headDim,
    vocab_size: c.vocab,
    max_position_embeddings: c.contextLength,
    rope_theta: c.ropeTheta,
    rms_norm_eps: c.normEps,
    tie_word_embeddings: c.tiedEmbeddings === true,
    torch_dtype: w.dtype === 'f16' ? 'float16' : 'float32',
    ...(bosId !== undefined && { bos_token_id: bosId }),
    ...(eosId !== undefined && { eos_token_id: eosId }),
  };
}

/**
 * The files of a Hugging Face folder. Llama 3 RoPE factors cannot be written back as
 * rope_scaling parameters, so pass `ropeScaling` (config.json's own object) when the weights
 * have them. `shards` > 1 splits the tensors over that many files with an index.
 */
export function hfFolderFiles(
  w: ModelWeights,
  o: {
    family: Family;
    tokenizerJson: string;
    tokenizerConfig: string;
    eosIds?: number[];
    ropeScaling?: Record<string, unknown>;
    shards?: number;
  },
): Record<string, Uint8Array | string> {
  const config = { ...hfConfigJson(w, o.family, o.eosIds?.[0]), ...(o.ropeScaling && { rope_scaling: o.ropeScaling }) };
  const files: Record<string, Uint8Array | string> = {
    'config.json': JSON.stringify(config, null, 2),
    'tokenizer.json': o.tokenizerJson,
    'tokenizer_config.json': o.tokenizerConfig,
    'generation_config.json': JSON.stringify({ eos_token_id: o.eosIds ?? [] }),
  };
  const dtype = w.dtype === 'f16' ? 'F16' : 'F32';
  const tensors = hfTensors(w);
  const n = Math.max(1, o.shards ?? 1);
  if (n === 1) files['model.safetensors'] = writeSafetensors(tensors, dtype, { format: 'pt' });
  else {
    const per = Math.ceil(tensors.length / n);
    const weightMap: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
      const part = tensors.slice(i * per, (i + 1) * per);
      for (const t of part) weightMap[t.name] = name;
      files[name] = writeSafetensors(part, dtype, { format: 'pt' });
    }
    files['model.safetensors.index.json'] = JSON.stringify({ metadata: {}, weight_map: weightMap });
  }
  return files;
}

/**
 * A GGUF file as llama.cpp's converter writes it: hyperparameters under the architecture's
 * keys, the vocabulary under tokenizer.ggml.*, matrices in `dtype` and 1-D tensors in F32,
 * Q and K rows permuted for `llama`, Llama 3's RoPE factors as rope_freqs.
 */
export function ggufModelFile(
  w: ModelWeights,
  o: { family: Family; vocab: GgmlVocab; chatTemplate?: string; dtype?: LoadableType; name?: string },
): Uint8Array {
  const c = w.config;
  const arch = o.family;
  const v = o.vocab;
  const meta: Record<string, GgufWriteValue> = {
    'general.architecture': gguf.str(arch),
    'general.name': gguf.str(o.name ?? c.name),
    [`${arch}.context_length`]: gguf.u32(c.contextLength),
    [`${arch}.embedding_length`]: gguf.u32(c.dModel),
    [`${arch}.block_count`]: gguf.u32(c.layers),
    [`${arch}.feed_forward_length`]: gguf.u32(c.ffnDim),
    [`${arch}.attention.head_count`]: gguf.u32(c.heads),
    [`${arch}.attention.head_count_kv`]: gguf.u32(c.kvHeads),
    [`${arch}.attention.key_length`]: gguf.u32(c.headDim),
    [`${arch}.attention.value_length`]: gguf.u32(c.headDim),
    [`${arch}.rope.dimension_count`]: gguf.u32(c.headDim),
    [`${arch}.rope.freq_base`]: gguf.f32(c.ropeTheta),
    [`${arch}.attention.layer_norm_rms_epsilon`]: gguf.f32(c.normEps),
    [`${arch}.vocab_size`]: gguf.u32(c.vocab),
    'general.file_type': gguf.u32(o.dtype === 'F16' ? 1 : o.dtype === 'BF16' ? 32 : 0),
    'tokenizer.ggml.model': gguf.str(v.model),
    ...(v.pre && { 'tokenizer.ggml.pre': gguf.str(v.pre) }),
    'tokenizer.ggml.tokens': gguf.arr('string', v.tokens),
    'tokenizer.ggml.token_type': gguf.arr('i32', v.types),
    ...(v.scores && { 'tokenizer.ggml.scores': gguf.arr('f32', v.scores) }),
    ...(v.merges && { 'tokenizer.ggml.merges': gguf.arr('string', v.merges) }),
    ...(v.bosId !== undefined && { 'tokenizer.ggml.bos_token_id': gguf.u32(v.bosId) }),
    ...(v.eosId !== undefined && { 'tokenizer.ggml.eos_token_id': gguf.u32(v.eosId) }),
    ...(v.unkId !== undefined && { 'tokenizer.ggml.unknown_token_id': gguf.u32(v.unkId) }),
    'tokenizer.ggml.add_bos_token': gguf.bool(v.addBos),
    ...(o.chatTemplate && { 'tokenizer.chat_template': gguf.str(o.chatTemplate) }),
  };
  const matrixType = o.dtype ?? (w.dtype === 'f16' ? 'F16' : 'F32');
  const tensors: GgufTensorToWrite[] = hfTensors(w).map((t) => {
    let data = t.data;
    if (arch === 'llama' && t.name.endsWith('q_proj.weight')) data = permuteQK(data, c.heads, c.dModel);
    if (arch === 'llama' && t.name.endsWith('k_proj.weight')) data = permuteQK(data, c.kvHeads, c.dModel);
    return { name: ggufName(t.name), dims: [...t.shape].reverse(), type: t.shape.length === 1 ? 'F32' : matrixType, data };
  });
  if (c.ropeFactors)
    tensors.push({ name: 'rope_freqs.weight', dims: [c.headDim / 2], type: 'F32', data: Float32Array.from(c.ropeFactors) });
  return writeGguf(meta, tensors);
}
