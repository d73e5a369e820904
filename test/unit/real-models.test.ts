import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, type Llama, LlamaLogLevel, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel } from '../../src/load/loaded-model.js';
import type { ModelWeights } from '../../src/model/weights.js';
import { GREEDY_PROMPT, GREEDY_STEPS, NEAR_TIE, partAt, referenceGreedy } from '../support/greedy.js';
import { ChatTemplateError, ModelFilesError, UnsupportedModelError } from '../../src/errors.js';
import { configFromHf } from '../../src/load/architectures.js';
import { memorySource } from '../../src/load/byte-source.js';
import { loadGguf } from '../../src/load/gguf-model.js';
import { loadHfFolder } from '../../src/load/hf-folder.js';
import { memoryFolder } from '../../src/load/model-folder.js';
import { CpuModel } from '../../src/ref/forward.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';
import { ARCHS, containers, ggufOf, HARD_TEXTS, tinyReal, vocabulary } from '../support/real-models.js';

/** The first index where two float arrays differ in their bits (-1: none), so a failure prints one number, not a diff of millions. */
function firstDifference(a: Float32Array | undefined, b: Float32Array | undefined): number | string {
  if (!a || !b) return a === b ? -1 : 'one is missing';
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

interface Prepared {
  w: ModelWeights;
  gguf: Uint8Array;
  /** The folder is loaded for f32 weights, and for f16 ones with the smallest vocabulary (the dtype's path is the same in every family). */
  fromHf?: LoadedModel;
  fromGguf: LoadedModel;
}
const withFolder = (a: (typeof ARCHS)[number], dtype: 'f32' | 'f16') => dtype === 'f32' || a.vocab === 'llama2';
const prepared = new Map<string, Promise<Prepared>>();

/** One architecture's weights in both containers, loaded back: made once for all the tests below. */
function prepare(a: (typeof ARCHS)[number], dtype: 'f32' | 'f16'): Promise<Prepared> {
  const key = `${a.arch} ${dtype}`;
  let p = prepared.get(key);
  if (!p) {
    p = (async () => {
      const w = tinyReal(a, dtype);
      const gguf = ggufOf(a, w);
      const fromHf = withFolder(a, dtype) ? await loadHfFolder(containers(a, w).folder) : undefined;
      return { w, gguf, fromHf, fromGguf: await loadGguf(memorySource(gguf, 'model.gguf')) };
    })();
    prepared.set(key, p);
  }
  return p;
}

let llama: Llama | undefined;
let dir: string;
const nearTies: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'real-models-'));
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
});
afterAll(async () => {
  if (nearTies.length) console.log(`near-ties (reported, not passed): ${nearTies.join('; ')}`);
  await llama?.dispose();
  await rm(dir, { recursive: true, force: true });
});

// Each architecture's weights written to a Hugging Face folder and to a GGUF file and read
// back: the same numbers from both (bit for bit: f16 and f32 values survive both containers
// exactly), so the same logits; the tokenizer the GGUF's vocabulary gives equals the
// library's on tokenizer.json; and llama.cpp, the reference nobody here wrote
// (node-llama-cpp 3.21.1, its CPU build from npm), tokenizes the hard texts as we do and
// generates the same 32 greedy tokens as our CPU reference (whose GPU runs are held to it in
// test/gpu and test/e2e). A step where the reference's top two logits lie within 1e-4 of the
// logits' scale is a near-tie, where either engine may take either token: it is reported as
// such and the comparison stops there, never counted as a pass.
describe.each(ARCHS)('$arch ($family family, $vocab vocabulary)', (a) => {
  it.each(['f32', 'f16'] as const)('%s: the folder and the GGUF load the very weights written, and give the same logits', async (dtype) => {
    const { w, fromHf, fromGguf } = await prepare(a, dtype);
    for (const m of fromHf ? [fromHf, fromGguf] : [fromGguf]) {
      expect(m.weights.dtype).toBe(dtype);
      expect(m.family).toBe(a.family);
      const config = { ...m.weights.config, name: '' };
      const want = { ...w.config, name: '' };
      // GGUF keeps eps and theta as f32, and config.json's are read as f32 to match.
      expect(config).toStrictEqual(JSON.parse(JSON.stringify({ ...want, normEps: Math.fround(want.normEps) })));
      expect(firstDifference(m.weights.embed, w.embed), `${m.format} embed`).toBe(-1);
      expect(firstDifference(m.weights.lmHead, w.lmHead), `${m.format} head`).toBe(-1);
      expect(firstDifference(m.weights.finalNorm, w.finalNorm), `${m.format} final norm`).toBe(-1);
      m.weights.layers.forEach((l, i) => {
        const o = w.layers[i]!;
        for (const k of ['wqkv', 'wo', 'wGateUp', 'wDown', 'attnNorm', 'mlpNorm', 'bqkv', 'qNorm', 'kNorm'] as const)
          expect(firstDifference(l[k], o[k]), `${m.format} layer ${i} ${k}`).toBe(-1);
      });
    }
    if (!fromHf) return;
    const ids = fromHf.tokenizer.encode('The same logits from either container.');
    const a1 = new CpuModel(fromHf.weights).forward(ids);
    const a2 = new CpuModel(fromGguf.weights).forward(ids);
    expect(firstDifference(a2, a1)).toBe(-1);
  });

  // The Qwen2 model here borrows Llama 2's vocabulary: its tokenization is checked once, there.
  const ownVocabulary = a.arch !== 'qwen2';

  if (ownVocabulary)
    it("the GGUF's vocabulary tokenizes the hard texts as the library does from tokenizer.json", async () => {
      const v = vocabulary(a.vocab);
      const lib = new TextTokenizer(v.parsed, v.parsedConfig);
      const ours = (await prepare(a, 'f32')).fromGguf.tokenizer;
      for (const text of HARD_TEXTS) {
        // Qwen's tokenizer.json NFC-normalizes and llama.cpp does not; a GGUF's tokenizer follows
        // llama.cpp (the test below holds it to llama.cpp on every text).
        if (a.vocab === 'qwen3' && text.normalize('NFC') !== text) continue;
        expect(ours.encode(text, false), JSON.stringify(text)).toEqual(lib.encode(text, false));
        expect(ours.decode(ours.encode(text, false), true), JSON.stringify(text)).toEqual(lib.decode(lib.encode(text, false), true));
      }
      expect(ours.encode('hi')).toEqual(lib.encode('hi'));
      expect(ours.bosId).toEqual(lib.bosId);
    });

  it.each(['f32', 'f16'] as const)('%s GGUF in llama.cpp: the hard texts tokenize alike and 32 greedy tokens agree', async (dtype) => {
    const { gguf, fromGguf: ours } = await prepare(a, dtype);
    const file = join(dir, `${a.arch}-${dtype}.gguf`);
    await writeFile(file, gguf);
    const model = await llama!.loadModel({ modelPath: file });
    try {
      // llama.cpp parsing special-token strings, as tokenizer.json libraries do.
      for (const text of HARD_TEXTS)
        expect(ours.tokenizer.encode(text, false), JSON.stringify(text)).toEqual([...model.tokenize(text, true)]);
      const prompt = ours.tokenizer.encode(GREEDY_PROMPT);
      // llama.cpp's tokenize adds no BOS; ours adds one where the vocabulary asks for it.
      const bare = [...model.tokenize(GREEDY_PROMPT)];
      expect(prompt.slice(prompt.length - bare.length)).toEqual(bare);
      // `evaluate` on one thread: the fastest way here (docs/results.md, "llama.cpp in the tests").
      const ctx = await model.createContext({ contextSize: 128, threads: 1 });
      const theirs: number[] = [];
      for await (const token of ctx.getSequence().evaluate(prompt as Token[], { temperature: 0 })) {
        theirs.push(token);
        if (theirs.length === GREEDY_STEPS) break;
      }
      await ctx.dispose();
      const ref = referenceGreedy(new CpuModel(ours.weights), prompt);
      const at = partAt(ref.tokens, theirs);
      if (at >= 0) {
        expect(ref.gaps[at]!, `llama.cpp parts from the reference at step ${at} without a near-tie`).toBeLessThan(NEAR_TIE);
        nearTies.push(`${a.arch} ${dtype} step ${at}`);
      } else expect(theirs).toEqual(ref.tokens);
    } finally {
      await model.dispose();
    }
  });
});

describe('chat templates', () => {
  const messages = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Hi' },
  ];

  it("Llama 3's template, from tokenizer_config.json and from the GGUF, renders the Llama 3 turn format", async () => {
    const { fromHf, fromGguf } = await prepare(
      ARCHS.find((x) => x.arch === 'llama3')!,
      'f32',
    );
    const want =
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>' +
      '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n';
    for (const m of [fromHf!, fromGguf]) {
      const { text, ids } = m.tokenizer.encodeChat(messages);
      expect(text).toBe(want);
      // The template wrote the BOS: the tokenizer must not add a second one.
      expect(ids.filter((i) => i === m.tokenizer.encode('<|begin_of_text|>', false)[0]).length).toBe(1);
    }
  });

  it("Qwen3's template renders ChatML with the generation prompt", async () => {
    const m = (
      await prepare(
        ARCHS.find((x) => x.arch === 'qwen3')!,
        'f32',
      )
    ).fromGguf;
    expect(m.tokenizer.encodeChat(messages).text).toBe(
      '<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
    // <|im_end|> ends a turn: the tokenizer config's eos.
    expect(m.tokenizer.eosIds.size).toBeGreaterThan(0);
  });

  it('a model without a template says so, typed', () => {
    const v = vocabulary('llama2');
    expect(() => new TextTokenizer(v.parsed, v.parsedConfig).encodeChat(messages)).toThrow(ChatTemplateError);
  });

  it('a template that fails to parse or raises names its line', () => {
    const v = vocabulary('qwen3');
    const broken = new TextTokenizer(v.parsed, {
      ...v.parsedConfig,
      chat_template:
        "{% for m in messages %}\n{% if m.role == 'system' %}{{ raise_exception('no system turns') }}{% endif %}\n{% endfor %}",
    });
    const err = (() => {
      try {
        broken.encodeChat(messages);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ChatTemplateError);
    expect((err as ChatTemplateError).line).toBe(2);
    expect((err as Error).message).toMatch(/line 2.*no system turns/);
    expect(() => new TextTokenizer(v.parsed, { ...v.parsedConfig, chat_template: 'ok\n{{ messages[0].content }\nmore' })).toThrow(
      /chat template failed at line 2/,
    );
  });
});

describe('bad model folders and configs are refused before any weight is read', () => {
  const a = ARCHS[0]!;

  it('an architecture we do not run, naming it and what is supported', () => {
    expect(() => configFromHf({ architectures: ['GPTNeoXForCausalLM'] }, 'x')).toThrow(UnsupportedModelError);
    expect(() => configFromHf({ architectures: ['GPTNeoXForCausalLM'] }, 'x')).toThrow(/GPTNeoXForCausalLM.*Qwen2ForCausalLM/);
    expect(() =>
      configFromHf(
        { architectures: ['LlamaForCausalLM'], rope_scaling: { rope_type: 'yarn' }, hidden_size: 64, num_attention_heads: 4 },
        'x',
      ),
    ).toThrow(/yarn/);
  });

  it('Mistral is a Llama below its sliding window; a context past the window is refused', () => {
    const mistral = {
      architectures: ['MistralForCausalLM'],
      hidden_size: 4096,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      intermediate_size: 14336,
      vocab_size: 32000,
      max_position_embeddings: 32768,
      sliding_window: 4096,
      rope_theta: 10000,
      rms_norm_eps: 1e-5,
    };
    const { config, family } = configFromHf(mistral, 'mistral');
    expect(family).toBe('llama');
    expect(config.contextLength).toBe(2048); // the default context, under the window
    expect(configFromHf(mistral, 'm', { contextLength: 4096 }).config.contextLength).toBe(4096);
    expect(() => configFromHf(mistral, 'm', { contextLength: 8192 })).toThrow(/sliding window/);
  });

  it('a BF16 GGUF loads as f32 holding exactly the bf16 values', async () => {
    const w = tinyReal(a, 'f32');
    const m = await loadGguf(memorySource(ggufOf(a, w, 'BF16')));
    expect(m.weights.dtype).toBe('f32');
    const bf16 = (x: number) => {
      const u = new Uint32Array(Float32Array.of(x).buffer)[0]!;
      return new Float32Array(Uint32Array.of(((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) << 16).buffer)[0]!;
    };
    const want = Float32Array.from(w.layers[1]!.wDown, bf16);
    expect(firstDifference(m.weights.layers[1]!.wDown, want)).toBe(-1);
    // 1-D tensors stay F32 in a GGUF, as llama.cpp's converter writes them.
    expect(firstDifference(m.weights.layers[1]!.mlpNorm, w.layers[1]!.mlpNorm)).toBe(-1);
  });

  it('a folder without config.json or tokenizer.json, or with a shard missing', async () => {
    const w = tinyReal(a, 'f32');
    const { folder } = containers(a, w);
    const all: Record<string, Uint8Array> = Object.fromEntries(
      await Promise.all(folder.names().map(async (n) => [n, await folder.source(n).then((s) => s.read(0, s.size))])),
    );
    const without = (n: string) => memoryFolder(Object.fromEntries(Object.entries(all).filter(([k]) => k !== n)));
    await expect(loadHfFolder(without('config.json'))).rejects.toThrow(/no config\.json/);
    await expect(loadHfFolder(without('tokenizer.json'))).rejects.toThrow(/no tokenizer\.json/);
    await expect(loadHfFolder(without('model-00002-of-00003.safetensors'))).rejects.toThrow(ModelFilesError);
    await expect(loadHfFolder(without('model-00002-of-00003.safetensors'))).rejects.toThrow(/lacks the shard.*00002/);
    // Two shards holding the same tensor.
    const dup = { ...all, 'model-00002-of-00003.safetensors': all['model-00001-of-00003.safetensors']! };
    await expect(loadHfFolder(memoryFolder(dup))).rejects.toThrow(/is in both|puts it in/);
  });
});
