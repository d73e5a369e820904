import { describe, expect, it } from 'vitest';
import { ModelFilesError, WeightsFormatError } from '../../src/errors.js';
import { memorySource } from '../../src/load/byte-source.js';
import { gguf, readGguf, writeGguf } from '../../src/load/gguf.js';
import { loadGguf } from '../../src/load/gguf-model.js';
import { ggufModelFile } from '../../src/load/write-model.js';
import { tokenizerJsonFromGgml } from '../../src/text/gguf-vocab.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';
import { ARCHS, ggmlOf, ggufOf, tinyReal } from '../support/real-models.js';

// Hostile GGUF files: each refused with a typed error that names what is wrong, before any
// tensor is read and without allocating what a lying count or length asks for.

/** A GGUF file by hand: header fields as given, so they can lie. */
function rawGguf(o: {
  magic?: string;
  version?: number;
  tensorCount?: bigint;
  kvCount?: bigint;
  kv?: Uint8Array;
  tensors?: { name: string; dims: number[]; type: number; offset: bigint }[];
  dataBytes?: number;
}): Uint8Array {
  const parts: Uint8Array[] = [];
  const u32 = (v: number) => parts.push(new Uint8Array(Uint32Array.of(v).buffer));
  const u64 = (v: bigint) => parts.push(new Uint8Array(BigUint64Array.of(v).buffer));
  const str = (s: string) => {
    const b = new TextEncoder().encode(s);
    u64(BigInt(b.length));
    parts.push(b);
  };
  parts.push(new TextEncoder().encode(o.magic ?? 'GGUF'));
  u32(o.version ?? 3);
  const tensors = o.tensors ?? [];
  u64(o.tensorCount ?? BigInt(tensors.length));
  u64(o.kvCount ?? 0n);
  if (o.kv) parts.push(o.kv);
  for (const t of tensors) {
    str(t.name);
    u32(t.dims.length);
    for (const d of t.dims) u64(BigInt(d));
    u32(t.type);
    u64(t.offset);
  }
  const header = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(Math.ceil(header / 32) * 32 + (o.dataBytes ?? 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function refusal(bytes: Uint8Array): Promise<WeightsFormatError> {
  try {
    await readGguf(memorySource(bytes, 'hostile.gguf'));
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsFormatError);
    return e as WeightsFormatError;
  }
  throw new Error('the file was accepted');
}

describe('GGUF reader', () => {
  it('reads back what the writer wrote: metadata of every type and tensor data', async () => {
    const data = Float32Array.from([1, -2.5, 3.25, 0.125, 7, 8]);
    const bytes = writeGguf(
      {
        'a.u32': gguf.u32(7),
        'a.i32': gguf.i32(-3),
        'a.f32': gguf.f32(0.5),
        'a.bool': gguf.bool(true),
        'a.str': gguf.str('héllo'),
        'a.list': gguf.arr('string', ['x', 'yz']),
      },
      [
        { name: 't.f32', dims: [3, 2], type: 'F32', data },
        { name: 't.f16', dims: [6], type: 'F16', data },
      ],
    );
    const f = await readGguf(memorySource(bytes));
    expect(Object.fromEntries(f.metadata)).toEqual({
      'a.u32': 7,
      'a.i32': -3,
      'a.f32': 0.5,
      'a.bool': true,
      'a.str': 'héllo',
      'a.list': ['x', 'yz'],
    });
    expect(f.tensors.get('t.f32')).toMatchObject({ dims: [3, 2], type: 'F32', bytes: 24 });
    expect(f.tensors.get('t.f16')!.offset % 32).toBe(0);
  });

  it('refuses a file that is not GGUF, or a version it cannot read', async () => {
    expect((await refusal(rawGguf({ magic: 'GGML' }))).message).toMatch(/not a GGUF file/);
    expect((await refusal(rawGguf({ version: 1 }))).message).toMatch(/version 1.*2 and 3/);
    expect((await refusal(new Uint8Array(10))).reason).toBe('truncated');
  });

  it('refuses counts and lengths larger than the file could hold, before allocating them', async () => {
    expect((await refusal(rawGguf({ tensorCount: 1n << 40n }))).message).toMatch(/claims 1099511627776 tensors/);
    expect((await refusal(rawGguf({ kvCount: 1n << 50n }))).message).toMatch(/metadata pairs/);
    // A key whose length says a terabyte.
    const kv = new Uint8Array(64);
    new DataView(kv.buffer).setBigUint64(0, 1n << 40n, true);
    expect((await refusal(rawGguf({ kvCount: 1n, kv }))).message).toMatch(/claims 1099511627776 bytes/);
    // An array of 2^40 u32 items.
    const key = new TextEncoder().encode('k');
    const arr = new Uint8Array(8 + 1 + 4 + 4 + 8 + 64);
    const dv = new DataView(arr.buffer);
    dv.setBigUint64(0, 1n, true);
    arr.set(key, 8);
    dv.setUint32(9, 9, true); // array
    dv.setUint32(13, 4, true); // of u32
    dv.setBigUint64(17, 1n << 40n, true);
    expect((await refusal(rawGguf({ kvCount: 1n, kv: arr }))).message).toMatch(/claims 1099511627776 items/);
  });

  it('refuses tensors that overlap, run past the end, are misaligned, or have impossible dimensions', async () => {
    const t = (name: string, offset: bigint, dims = [8]) => ({ name, dims, type: 0, offset });
    expect((await refusal(rawGguf({ tensors: [t('a', 0n), t('b', 0n)], dataBytes: 64 }))).message).toMatch(/'a' and 'b' overlap/);
    expect((await refusal(rawGguf({ tensors: [t('a', 0n), t('b', 32n)], dataBytes: 40 }))).reason).toBe('truncated');
    expect((await refusal(rawGguf({ tensors: [t('a', 4n)], dataBytes: 64 }))).message).toMatch(/not a multiple of the alignment/);
    expect((await refusal(rawGguf({ tensors: [t('a', 0n, [1, 2, 3, 4, 5])], dataBytes: 64 }))).message).toMatch(/5 dimensions/);
    expect((await refusal(rawGguf({ tensors: [{ name: 'q', dims: [30], type: 12, offset: 0n }], dataBytes: 512 }))).message).toMatch(
      /Q4_K cannot hold/,
    );
    expect((await refusal(rawGguf({ tensors: [{ name: 'x', dims: [8], type: 99, offset: 0n }], dataBytes: 64 }))).reason).toBe(
      'unsupported-dtype',
    );
  });
});

describe('GGUF models', () => {
  // The smallest real vocabulary: what is refused here does not depend on it.
  const a = ARCHS.find((x) => x.arch === 'llama2')!;

  it('a truncated file is refused, naming the tensor', async () => {
    const bytes = ggufOf(a, tinyReal(a, 'f32'));
    await expect(loadGguf(memorySource(bytes.subarray(0, bytes.length - 100)))).rejects.toThrow(/runs past the end/);
  });

  it('a quantized tensor type is refused by name', async () => {
    const bytes = ggufOf(a, tinyReal(a, 'f32'));
    const f = await readGguf(memorySource(bytes));
    // Retype one F32 matrix to Q8_0 in place: its 64-value rows are whole Q8_0 blocks and it still fits.
    const t = f.tensors.get('blk.0.ffn_down.weight')!;
    const nameAt = findBytes(bytes, new TextEncoder().encode('blk.0.ffn_down.weight'));
    const typeAt = nameAt + 'blk.0.ffn_down.weight'.length + 4 + 8 * t.dims.length;
    const patched = bytes.slice();
    new DataView(patched.buffer).setUint32(typeAt, 8, true);
    await expect(loadGguf(memorySource(patched))).rejects.toThrow(/blk\.0\.ffn_down\.weight' is Q8_0/);
  });

  it('metadata that disagrees with the tensor shapes is refused before loading', async () => {
    const bytes = ggufOf(a, tinyReal(a, 'f32')).slice();
    // The value after the key 'llama.feed_forward_length' and its type word.
    const at = findBytes(bytes, new TextEncoder().encode('llama.feed_forward_length')) + 'llama.feed_forward_length'.length + 4;
    const view = new DataView(bytes.buffer);
    view.setUint32(at, view.getUint32(at, true) + 8, true);
    await expect(loadGguf(memorySource(bytes))).rejects.toThrow(/gate_proj.* has shape .* the config needs/);
  });

  it('an architecture we do not run is named, with what is supported', async () => {
    const bytes = writeGguf({ 'general.architecture': gguf.str('gemma3') }, [
      { name: 'token_embd.weight', dims: [4, 4], type: 'F32', data: new Float32Array(16) },
    ]);
    await expect(loadGguf(memorySource(bytes))).rejects.toThrow(/gemma3.*supported/);
  });

  it('a vocabulary that does not match the embedding, or no embedding at all, is refused', async () => {
    const w = tinyReal(a, 'f32');
    const v = ggmlOf(a.vocab);
    const short = { ...v, tokens: v.tokens.slice(0, -1), types: v.types.slice(0, -1) };
    const bytes = ggufModelFile(w, { family: a.family, vocab: short });
    await expect(loadGguf(memorySource(bytes))).rejects.toThrow(/vocabulary has \d+ tokens but token_embd\.weight has \d+ rows/);
    await expect(loadGguf(memorySource(writeGguf({ 'general.architecture': gguf.str('qwen3') }, [])))).rejects.toThrow(ModelFilesError);
  });
});

function findBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

describe('GGUF vocabularies', () => {
  it("SmolLM's pre-tokenizer splits digits one by one before GPT-2's regex, as llama.cpp's does", () => {
    const tokens = ['1', '2', '3', '12', 'Ġ1', 'a', 'b', 'Ġ', 'ab'];
    const vocab = { model: 'gpt2' as const, tokens, types: tokens.map(() => 1), merges: ['1 2', 'Ġ 1', 'a b'], addBos: false };
    const { tokenizer, config } = tokenizerJsonFromGgml({ ...vocab, pre: 'smollm' });
    expect(new TextTokenizer(tokenizer, config).encode('ab 123', false).map((id) => tokens[id])).toEqual(['ab', 'Ġ', '1', '2', '3']);
    // GPT-2's own pre-tokenizer keeps ' 123' together, so the merge '1 2' applies.
    const gpt2 = tokenizerJsonFromGgml({ ...vocab, pre: 'gpt2' });
    expect(new TextTokenizer(gpt2.tokenizer, gpt2.config).encode('ab 123', false).map((id) => tokens[id])).toEqual(['ab', 'Ġ', '12', '3']);
  });

  it('an unknown pre-tokenizer is refused by name', () => {
    expect(() => tokenizerJsonFromGgml({ model: 'gpt2', pre: 'mystery', tokens: ['a'], types: [1], merges: [], addBos: false })).toThrow(
      /mystery.*known: /,
    );
  });
});
