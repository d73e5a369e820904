import { describe, expect, it } from 'vitest';
import { ConfigError, WeightsFormatError } from '../../src/errors.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.js';
import { preset } from '../../src/model/config.js';
import { parseSafetensors, readTensorF32, writeSafetensors } from '../../src/model/safetensors.js';
import { syntheticWeights } from '../../src/model/weights.js';

/** A file with a hand-written header, so every field can be made hostile. */
function file(header: unknown, dataBytes: number, raw?: string): Uint8Array {
  const json = new TextEncoder().encode(raw ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

const reasonAsync = async (fn: () => Promise<unknown>) => {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsFormatError);
    return (e as WeightsFormatError).reason;
  }
  return undefined;
};
const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsFormatError);
    return (e as WeightsFormatError).reason;
  }
  throw new Error('expected a WeightsFormatError');
};

describe('safetensors parser', () => {
  it('round-trips f32 and f16 tensors with metadata', () => {
    const data = Float32Array.from([1, -2.5, 0.1, 65504, 1e-7, 0]);
    for (const dtype of ['F32', 'F16'] as const) {
      const bytes = writeSafetensors([{ name: 't', shape: [2, 3], data }], dtype, { k: 'v' });
      const f = parseSafetensors(bytes);
      expect(f.metadata).toEqual({ k: 'v' });
      const t = f.tensors.get('t')!;
      expect(t.shape).toEqual([2, 3]);
      const back = readTensorF32(f, t);
      if (dtype === 'F32') expect(back).toEqual(data);
      else expect([...back].map((v, i) => Math.abs(v - data[i]!) <= Math.abs(data[i]!) * 2 ** -11 + 2 ** -24)).toEqual(Array(6).fill(true));
    }
  });

  it('reads bf16 exactly', () => {
    const bytes = file({ t: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }, 4);
    const view = new DataView(bytes.buffer);
    view.setUint16(bytes.length - 4, 0x3fc0, true); // 1.5
    view.setUint16(bytes.length - 2, 0xc040, true); // -3
    const f = parseSafetensors(bytes);
    expect([...readTensorF32(f, f.tensors.get('t')!)]).toEqual([1.5, -3]);
  });

  it('refuses a file shorter than its length field', () => expect(reason(() => parseSafetensors(new Uint8Array(5)))).toBe('truncated'));
  it('refuses a header longer than the file', () => {
    const b = file({}, 0);
    new DataView(b.buffer).setBigUint64(0, 1000n, true);
    expect(reason(() => parseSafetensors(b))).toBe('truncated');
  });
  it('refuses a huge header length', () => {
    const b = file({}, 0);
    new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(reason(() => parseSafetensors(b))).toBe('bad-header');
  });
  it('refuses a header that is not JSON', () => expect(reason(() => parseSafetensors(file(null, 0, '{"t": [1,')))).toBe('bad-header'));
  it('refuses a header that is not an object', () => expect(reason(() => parseSafetensors(file([1, 2], 0)))).toBe('bad-header'));
  it('refuses a tensor without offsets', () =>
    expect(reason(() => parseSafetensors(file({ t: { dtype: 'F32', shape: [1] } }, 4)))).toBe('bad-header'));
  it('refuses a negative dimension', () =>
    expect(reason(() => parseSafetensors(file({ t: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4)))).toBe('bad-header'));
  it('refuses offsets outside the data', () =>
    expect(reason(() => parseSafetensors(file({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8)))).toBe('bad-offsets'));
  it('refuses offsets that disagree with the shape', () =>
    expect(reason(() => parseSafetensors(file({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8)))).toBe('bad-offsets'));
  it('refuses reversed offsets', () =>
    expect(reason(() => parseSafetensors(file({ t: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, 8)))).toBe('bad-offsets'));
  it('refuses an unsupported dtype', () =>
    expect(reason(() => parseSafetensors(file({ t: { dtype: 'I8', shape: [4], data_offsets: [0, 4] } }, 4)))).toBe('unsupported-dtype'));
});

describe('Llama checkpoints', () => {
  const config = preset('tiny');

  it.each(['f32', 'f16'] as const)('a saved %s checkpoint loads back to the same weights', async (dtype) => {
    const w = syntheticWeights(config, dtype, 3);
    const back = await loadCheckpoint(saveCheckpoint(w));
    expect(back.dtype).toBe(dtype);
    expect(back.config).toMatchObject(config);
    expect(back.embed).toEqual(w.embed);
    expect(back.lmHead).toEqual(w.lmHead);
    expect(back.finalNorm).toEqual(w.finalNorm);
    back.layers.forEach((l, i) => expect(l).toEqual(w.layers[i]));
  });

  it('uses the standard Llama tensor names', () => {
    const f = parseSafetensors(saveCheckpoint(syntheticWeights(config)));
    expect([...f.tensors.keys()]).toContain('model.layers.1.self_attn.q_proj.weight');
    expect(f.tensors.get('model.layers.0.mlp.gate_proj.weight')!.shape).toEqual([config.ffnDim, config.dModel]);
    expect(f.tensors.get('model.embed_tokens.weight')!.shape).toEqual([config.vocab, config.dModel]);
  });

  it('ties the head to the embedding when lm_head is absent', async () => {
    const w = syntheticWeights(config);
    const f = parseSafetensors(saveCheckpoint(w));
    const kept = [...f.tensors.values()].filter((t) => t.name !== 'lm_head.weight');
    const untied = writeSafetensors(
      kept.map((t) => ({ name: t.name, shape: t.shape, data: readTensorF32(f, t) })),
      'F32',
      f.metadata,
    );
    const back = await loadCheckpoint(untied);
    for (let d = 0; d < config.dModel; d++)
      for (let v = 0; v < config.vocab; v += 37) expect(back.lmHead[d * config.vocab + v]).toBe(w.embed[v * config.dModel + d]);
  });

  it('names a missing tensor', async () => {
    const f = parseSafetensors(saveCheckpoint(syntheticWeights(config)));
    const kept = [...f.tensors.values()].filter((t) => t.name !== 'model.layers.1.mlp.down_proj.weight');
    const broken = writeSafetensors(
      kept.map((t) => ({ name: t.name, shape: t.shape, data: readTensorF32(f, t) })),
      'F32',
      f.metadata,
    );
    await expect(loadCheckpoint(broken)).rejects.toThrow(/model\.layers\.1\.mlp\.down_proj\.weight.*missing|missing.*down_proj/);
    expect(await reasonAsync(() => loadCheckpoint(broken))).toBe('missing-tensor');
  });

  it('names a mis-shaped tensor', async () => {
    const f = parseSafetensors(saveCheckpoint(syntheticWeights(config)));
    const tensors = [...f.tensors.values()].map((t) => ({ name: t.name, shape: t.shape, data: readTensorF32(f, t) }));
    const q = tensors.find((t) => t.name === 'model.layers.0.self_attn.k_proj.weight')!; // [32, 64]: not square
    q.shape = [q.shape[1]!, q.shape[0]!]; // transposed
    const broken = writeSafetensors(tensors, 'F32', f.metadata);
    expect(await reasonAsync(() => loadCheckpoint(broken))).toBe('bad-shape');
  });

  it('checks a file without config metadata against the named preset, and asks for one otherwise', async () => {
    const f = parseSafetensors(saveCheckpoint(syntheticWeights(config)));
    const tensors = [...f.tensors.values()].map((t) => ({ name: t.name, shape: t.shape, data: readTensorF32(f, t) }));
    const bare = writeSafetensors(tensors, 'F32');
    await expect(loadCheckpoint(bare)).rejects.toThrow(ConfigError);
    expect((await loadCheckpoint(bare, config)).config.dModel).toBe(config.dModel);
    expect(await reasonAsync(() => loadCheckpoint(bare, preset('small')))).toBe('bad-shape');
  });

  it('refuses a truncated checkpoint', async () => {
    const bytes = saveCheckpoint(syntheticWeights(config));
    expect(await reasonAsync(() => loadCheckpoint(bytes.subarray(0, bytes.length - 10)))).toBe('bad-offsets');
  });
});
