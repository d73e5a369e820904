import { describe, expect, it } from 'vitest';
import { KV_BLOCK_SIZE, kvBlockBytes, kvBlocksFor } from '../../src/model/kv-cache.js';
import { preset } from '../../src/model/config.js';

describe('KV capacity in tokens or bytes', () => {
  const small = preset('small'); // 4 layers, 4 KV heads of 32: 128 floats of keys and 128 of values a layer
  const perBlock = 2 * 4 * 128 * 4 * 16; // keys and values, 4 layers, 128 f32 each, 16 positions

  it("a block's bytes are keys and values of every layer, f32", () => {
    expect(KV_BLOCK_SIZE).toBe(16);
    expect(kvBlockBytes(small)).toBe(perBlock); // 65,536
  });

  it('defaults to a whole context per sequence slot', () => {
    expect(kvBlocksFor(small, 3)).toBe((3 * 512) / 16);
  });

  it('rounds tokens up to whole blocks and bytes down', () => {
    expect(kvBlocksFor(small, 32, { kvTokens: 160 })).toBe(10);
    expect(kvBlocksFor(small, 32, { kvTokens: 161 })).toBe(11);
    expect(kvBlocksFor(small, 32, { kvBytes: 10 * perBlock })).toBe(10);
    expect(kvBlocksFor(small, 32, { kvBytes: 11 * perBlock - 1 })).toBe(10);
    expect(kvBlocksFor(small, 32, { kvBytes: 64 * 2 ** 20 })).toBe(1024); // 64 MiB: 16,384 positions
  });

  it('refuses both at once, sizes that are not positive numbers, and bytes short of a block', () => {
    expect(() => kvBlocksFor(small, 4, { kvTokens: 160, kvBytes: 10 * perBlock })).toThrow(/tokens or in bytes, not both/);
    for (const bad of [0, -16, Number.NaN, Infinity]) {
      expect(() => kvBlocksFor(small, 4, { kvTokens: bad })).toThrow(RangeError);
      expect(() => kvBlocksFor(small, 4, { kvBytes: bad })).toThrow(/kvBytes must be a positive number/);
    }
    expect(() => kvBlocksFor(small, 4, { kvBytes: perBlock - 1 })).toThrow(
      /holds no block: one block of 16 positions of small takes 65536 bytes/,
    );
  });
});
