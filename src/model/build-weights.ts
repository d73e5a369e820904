import { WeightsFormatError } from '../errors.js';
import type { WeightDtype } from '../numeric/dtype.js';
import { type ModelConfig, validateConfig } from './config.js';
import { type LayerWeights, type ModelWeights, transpose } from './weights.js';

/**
 * Tensors by their Hugging Face names (`model.layers.{i}.self_attn.q_proj.weight`, ...), in
 * Hugging Face's layout ([out, in] matrices), whatever file holds them: a safetensors file,
 * a sharded folder, or a GGUF file (whose loader renames and un-permutes for us).
 */
export interface TensorReader {
  has(name: string): boolean;
  /** Shape in Hugging Face order. */
  shape(name: string): number[];
  /** The file's type for it ('F32', 'F16', 'BF16', ...). */
  dtype(name: string): string;
  /** Its values as f32, read when asked. */
  read(name: string): Promise<Float32Array>;
}

/** The tensors a model of this config needs, with their shapes: checked before any is read. */
export function requiredTensors(c: ModelConfig, tied: boolean): [string, number[]][] {
  const { dModel: D, heads: H, kvHeads: Hkv, headDim: Dh, ffnDim: F, vocab: V } = c;
  const t: [string, number[]][] = [['model.embed_tokens.weight', [V, D]]];
  for (let i = 0; i < c.layers; i++) {
    const p = `model.layers.${i}.`;
    t.push(
      [`${p}input_layernorm.weight`, [D]],
      [`${p}self_attn.q_proj.weight`, [H * Dh, D]],
      [`${p}self_attn.k_proj.weight`, [Hkv * Dh, D]],
      [`${p}self_attn.v_proj.weight`, [Hkv * Dh, D]],
      [`${p}self_attn.o_proj.weight`, [D, H * Dh]],
      [`${p}post_attention_layernorm.weight`, [D]],
      [`${p}mlp.gate_proj.weight`, [F, D]],
      [`${p}mlp.up_proj.weight`, [F, D]],
      [`${p}mlp.down_proj.weight`, [D, F]],
    );
    if (c.qkvBias)
      t.push([`${p}self_attn.q_proj.bias`, [H * Dh]], [`${p}self_attn.k_proj.bias`, [Hkv * Dh]], [`${p}self_attn.v_proj.bias`, [Hkv * Dh]]);
    if (c.qkNorm) t.push([`${p}self_attn.q_norm.weight`, [Dh]], [`${p}self_attn.k_norm.weight`, [Dh]]);
  }
  t.push(['model.norm.weight', [D]]);
  if (!tied) t.push(['lm_head.weight', [V, D]]);
  return t;
}

/** The names of the matrices (what decide the GPU dtype). */
const isMatrix = (name: string) => name.endsWith('proj.weight') || name === 'lm_head.weight' || name === 'model.embed_tokens.weight';

/**
 * A model's weights read tensor by tensor when asked, in the layout ModelWeights holds them:
 * what GpuWeights uploads from, one layer at a time, so a file is never whole in memory
 * (src/model/gpu-weights.ts). In memory, `weightSource(w)` gives the same interface.
 */
export interface WeightSource {
  readonly config: ModelConfig;
  readonly dtype: WeightDtype;
  embed(): Promise<Float32Array>; // [V, D]
  layer(i: number): Promise<LayerWeights>;
  finalNorm(): Promise<Float32Array>; // [D]
  /** The head, [D, V]; a tied head is made from the embedding passed in. */
  lmHead(embed: Float32Array): Promise<Float32Array>;
}

/** Weights already in memory as a WeightSource. */
export function weightSource(w: ModelWeights): WeightSource {
  return {
    config: w.config,
    dtype: w.dtype,
    embed: () => Promise.resolve(w.embed),
    layer: (i) => Promise.resolve(w.layers[i]!),
    finalNorm: () => Promise.resolve(w.finalNorm),
    lmHead: () => Promise.resolve(w.lmHead),
  };
}

/**
 * A reader's tensors as a WeightSource. Every tensor the config needs is checked (present,
 * right shape) here, before the first is read, so a bad file fails at once and loads
 * nothing. Matrices are transposed to our [in, out] and Q|K|V and gate|up joined as each
 * layer is asked for. F16 files stay f16 on the GPU (when every matrix is F16); F32 and BF16
 * become f32 (bf16 widens exactly; it has no exact f16 form). The head is the embedding when
 * the model ties them or has no lm_head.
 */
export function streamWeights(config: ModelConfig, r: TensorReader): WeightSource {
  validateConfig(config);
  const tied = config.tiedEmbeddings === true || !r.has('lm_head.weight');
  const required = requiredTensors(config, tied);
  for (const [name, shape] of required) {
    if (!r.has(name)) throw new WeightsFormatError('missing-tensor', `tensor '${name}' is missing`);
    const s = r.shape(name);
    if (s.length !== shape.length || s.some((d, i) => d !== shape[i]))
      throw new WeightsFormatError('bad-shape', `tensor '${name}' has shape [${s.join(',')}], the config needs [${shape.join(',')}]`);
  }
  const matrixTypes = new Set(required.filter(([n]) => isMatrix(n)).map(([n]) => r.dtype(n)));
  const dtype: WeightDtype = matrixTypes.size === 1 && matrixTypes.has('F16') ? 'f16' : 'f32';
  const { dModel: D, heads: H, kvHeads: Hkv, headDim: Dh, ffnDim: F, vocab: V } = config;
  // [out, in] -> [in, out]
  const mat = async (name: string, out: number, inp: number) => transpose(await r.read(name), out, inp);
  return {
    config: tied ? { ...config, tiedEmbeddings: true } : config,
    dtype,
    embed: () => r.read('model.embed_tokens.weight'),
    finalNorm: () => r.read('model.norm.weight'),
    lmHead: async (embed) => (tied ? transpose(embed, V, D) : mat('lm_head.weight', V, D)),
    async layer(i) {
      const p = `model.layers.${i}.`;
      const q = await mat(`${p}self_attn.q_proj.weight`, H * Dh, D);
      const k = await mat(`${p}self_attn.k_proj.weight`, Hkv * Dh, D);
      const v = await mat(`${p}self_attn.v_proj.weight`, Hkv * Dh, D);
      const wqkv = concatColumns(D, [q, k, v], [H * Dh, Hkv * Dh, Hkv * Dh]);
      const gate = await mat(`${p}mlp.gate_proj.weight`, F, D);
      const up = await mat(`${p}mlp.up_proj.weight`, F, D);
      const layer: LayerWeights = {
        attnNorm: await r.read(`${p}input_layernorm.weight`),
        wqkv,
        wo: await mat(`${p}self_attn.o_proj.weight`, D, H * Dh),
        mlpNorm: await r.read(`${p}post_attention_layernorm.weight`),
        wGateUp: concatColumns(D, [gate, up], [F, F]),
        wDown: await mat(`${p}mlp.down_proj.weight`, D, F),
      };
      if (config.qkvBias) {
        const parts = await Promise.all(['q', 'k', 'v'].map((x) => r.read(`${p}self_attn.${x}_proj.bias`)));
        layer.bqkv = concatColumns(1, parts, [H * Dh, Hkv * Dh, Hkv * Dh]);
      }
      if (config.qkNorm) {
        layer.qNorm = await r.read(`${p}self_attn.q_norm.weight`);
        layer.kNorm = await r.read(`${p}self_attn.k_norm.weight`);
      }
      return layer;
    },
  };
}

/** Every tensor of a source, in memory (the CPU reference computes from these). */
export async function materialize(s: WeightSource): Promise<ModelWeights> {
  const layers: LayerWeights[] = [];
  for (let i = 0; i < s.config.layers; i++) layers.push(await s.layer(i));
  const embed = await s.embed();
  return { config: s.config, dtype: s.dtype, embed, layers, finalNorm: await s.finalNorm(), lmHead: await s.lmHead(embed) };
}

/** ModelWeights from a reader: streamWeights, read whole. */
export async function buildWeights(config: ModelConfig, r: TensorReader): Promise<ModelWeights> {
  return materialize(streamWeights(config, r));
}

/** Joins [K, widths[i]] matrices side by side into [K, sum(widths)]. */
export function concatColumns(K: number, parts: Float32Array[], widths: number[]): Float32Array {
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
}
