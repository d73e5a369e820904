import { ModelFilesError } from '../errors.js';
import { materialize, streamWeights, type TensorReader } from '../model/build-weights.js';
import { type GgmlVocab, tokenizerJsonFromGgml } from '../text/gguf-vocab.js';
import { TextTokenizer } from '../text/tokenizer.js';
import { configFromGguf, ggufName, type LoadOptions, unpermuteQK } from './architectures.js';
import type { ByteSource } from './byte-source.js';
import { type GgufFile, type GgufValue, readGguf, readGgufTensorF32 } from './gguf.js';
import type { LoadedModel, OpenedModel } from './loaded-model.js';

/** The vocabulary a GGUF file carries (tokenizer.ggml.*), checked for the fields each model needs. */
export function ggmlVocab(meta: Map<string, GgufValue>): GgmlVocab {
  const model = meta.get('tokenizer.ggml.model');
  if (model !== 'gpt2' && model !== 'llama')
    throw new ModelFilesError(
      `the GGUF's tokenizer model is '${String(model)}'; supported: gpt2 (byte-level BPE) and llama (SentencePiece)`,
    );
  const strings = (key: string, need: boolean): string[] | undefined => {
    const v = meta.get(key);
    if (v === undefined && !need) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      throw new ModelFilesError(`GGUF metadata '${key}' must be a list of strings`);
    return v;
  };
  const numbers = (key: string): number[] | undefined => {
    const v = meta.get(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number'))
      throw new ModelFilesError(`GGUF metadata '${key}' must be a list of numbers`);
    return v;
  };
  const id = (key: string) => {
    const v = meta.get(key);
    return typeof v === 'number' ? v : undefined;
  };
  const tokens = strings('tokenizer.ggml.tokens', true)!;
  return {
    model,
    pre: typeof meta.get('tokenizer.ggml.pre') === 'string' ? (meta.get('tokenizer.ggml.pre') as string) : undefined,
    tokens,
    types: numbers('tokenizer.ggml.token_type') ?? tokens.map(() => 1),
    scores: numbers('tokenizer.ggml.scores'),
    merges: strings('tokenizer.ggml.merges', model === 'gpt2'),
    bosId: id('tokenizer.ggml.bos_token_id'),
    eosId: id('tokenizer.ggml.eos_token_id'),
    unkId: id('tokenizer.ggml.unknown_token_id'),
    addBos: meta.get('tokenizer.ggml.add_bos_token') === true || (model === 'llama' && meta.get('tokenizer.ggml.add_bos_token') !== false),
  };
}

/** Hugging Face names over a GGUF file's tensors: renamed, reversed dims, Q and K rows un-permuted for `llama` files. */
function ggufReader(file: GgufFile, family: string, heads: number, kvHeads: number): TensorReader {
  const info = (hf: string) => {
    let g: string;
    try {
      g = ggufName(hf);
    } catch {
      return undefined;
    }
    return file.tensors.get(g);
  };
  return {
    has: (n) => info(n) !== undefined,
    shape: (n) => [...info(n)!.dims].reverse(),
    dtype: (n) => info(n)!.type,
    read: async (n) => {
      const t = info(n)!;
      const values = await readGgufTensorF32(file, t);
      if (family !== 'llama') return values;
      if (n.endsWith('self_attn.q_proj.weight')) return unpermuteQK(values, heads, t.dims[0]!);
      if (n.endsWith('self_attn.k_proj.weight')) return unpermuteQK(values, kvHeads, t.dims[0]!);
      return values;
    },
  };
}

/** Loads a GGUF file whole: openGguf, every tensor read. The caller closes the source. */
export async function loadGguf(source: ByteSource, opts: LoadOptions = {}): Promise<LoadedModel> {
  const opened = await openGguf(source, opts);
  return { ...opened, weights: await materialize(opened.weights) };
}

/**
 * Opens a GGUF file: metadata and vocabulary first (refusing what we cannot run), every
 * tensor checked against them; the weights are read when asked for. `close` closes the source.
 */
export async function openGguf(source: ByteSource, opts: LoadOptions = {}): Promise<OpenedModel> {
  const file = await readGguf(source);
  const meta = file.metadata;
  const embed = file.tensors.get('token_embd.weight');
  if (!embed) throw new ModelFilesError(`${source.name} has no token_embd.weight tensor`);
  const name = typeof meta.get('general.name') === 'string' ? (meta.get('general.name') as string) : source.name.split('/').pop()!;
  const { config, family } = configFromGguf(meta, embed.dims[1] ?? 0, name, opts);
  const freqs = file.tensors.get('rope_freqs.weight');
  if (freqs) {
    if (freqs.dims[0] !== config.headDim / 2)
      throw new ModelFilesError(
        `rope_freqs.weight holds ${freqs.dims[0]} factors; a head of ${config.headDim} needs ${config.headDim / 2}`,
      );
    config.ropeFactors = [...(await readGgufTensorF32(file, freqs))];
  }
  if (!file.tensors.has('output.weight')) config.tiedEmbeddings = true;
  const vocab = ggmlVocab(meta);
  if (vocab.tokens.length !== config.vocab)
    throw new ModelFilesError(`the vocabulary has ${vocab.tokens.length} tokens but token_embd.weight has ${config.vocab} rows`);
  const { tokenizer: tj, config: tc } = tokenizerJsonFromGgml(vocab);
  const eosIds = ['tokenizer.ggml.eos_token_id', 'tokenizer.ggml.eot_token_id', 'tokenizer.ggml.eom_token_id']
    .map((k) => meta.get(k))
    .filter((x): x is number => typeof x === 'number');
  const template = meta.get('tokenizer.chat_template');
  const tokenizer = new TextTokenizer(tj, tc, { eosIds, chatTemplate: typeof template === 'string' ? template : undefined });
  const weights = streamWeights(config, ggufReader(file, family, config.heads, config.kvHeads));
  return { weights, tokenizer, family, format: 'gguf', name, close: async () => source.close?.() };
}
