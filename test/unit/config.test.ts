import { describe, expect, it } from 'vitest';
import { ConfigError, ContextOverflowError, InvalidRequestError } from '../../src/errors.js';
import { matrixParams, PRESETS, preset, validateConfig } from '../../src/model/config.js';
import { f16BitsToF32, f32ToF16Bits } from '../../src/numeric/f16.js';
import { checkRequest } from '../../src/model/request.js';
import { decode, encode, BOS } from '../../src/model/tokenizer.js';
import {
  f16ShiftFor,
  matrixBytes,
  matrixLayout,
  packMatrix,
  rowVec4,
  shiftedPairHalves,
  shiftedPairWord,
} from '../../src/kernels/packing.js';
import { bucketFor } from '../../src/kernels/gemv-rows.js';

describe('config', () => {
  it('every preset is valid, and they grow', () => {
    const sizes = Object.values(PRESETS).map((c) => {
      validateConfig(c);
      return matrixParams(c);
    });
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
  });

  it('counts matrix parameters by hand for tiny', () => {
    const c = preset('tiny'); // D 64, H 4, Hkv 2, Dh 16, F 172, V 258, L 2
    const perLayer = 64 * (4 + 4) * 16 + 64 * 64 + 64 * 2 * 172 + 172 * 64;
    expect(matrixParams(c)).toBe(2 * perLayer + 64 * 258);
  });

  it.each([
    [{ heads: 6, kvHeads: 4 }, /multiple of kvHeads/],
    [{ headDim: 6 }, /headDim/],
    [{ headDim: 256 }, /headDim/],
    [{ layers: 0 }, /layers/],
    [{ dModel: 1.5 }, /dModel/],
  ])('refuses %j', (patch, msg) => {
    expect(() => validateConfig({ ...preset('tiny'), ...patch })).toThrow(ConfigError);
    expect(() => validateConfig({ ...preset('tiny'), ...patch })).toThrow(msg);
  });

  it('refuses an unknown preset by name', () => expect(() => preset('huge')).toThrow(/unknown model 'huge'/));
});

describe('requests', () => {
  const c = { ...preset('tiny'), contextLength: 16 };
  it('accepts a request that fits exactly', () => expect(() => checkRequest(c, Array(10).fill(1), 6)).not.toThrow());
  it('refuses a prompt longer than the context', () => expect(() => checkRequest(c, Array(17).fill(1), 1)).toThrow(ContextOverflowError));
  it('refuses max tokens that would run past the context, saying how many fit', () => {
    expect(() => checkRequest(c, Array(10).fill(1), 7)).toThrow(ContextOverflowError);
    expect(() => checkRequest(c, Array(10).fill(1), 7)).toThrow(/at most 6/);
  });
  it('refuses an empty prompt, maxTokens <= 0 and ids outside the vocabulary', () => {
    expect(() => checkRequest(c, [], 1)).toThrow(InvalidRequestError);
    expect(() => checkRequest(c, [1], 0)).toThrow(InvalidRequestError);
    expect(() => checkRequest(c, [258], 1)).toThrow(InvalidRequestError);
  });
});

describe('tokenizer', () => {
  it('round-trips UTF-8 text with BOS first', () => {
    const ids = encode('héllo ✓');
    expect(ids[0]).toBe(BOS);
    expect(decode(ids)).toBe('héllo ✓');
  });
});

describe('f16', () => {
  it.each([
    [0, 0],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [1e6, 0x7c00],
    [2 ** -24, 0x0001],
    [2 ** -25, 0], // halfway to the smallest subnormal rounds to even (zero)
    [1 + 2 ** -11, 0x3c00], // halfway between 1 and the next f16: ties to even
    [1 + 3 * 2 ** -11, 0x3c02],
  ])('%f -> %i', (v, bits) => {
    expect(f32ToF16Bits(v)).toBe(bits);
  });

  it('every finite f16 survives f16 -> f32 -> f16', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      expect(f32ToF16Bits(f16BitsToF32(h))).toBe(h === 0x8000 ? 0x8000 : h);
    }
  });
});

describe('weight packing', () => {
  it('pads rows to 8 columns and packs f16 pairs low half first', () => {
    expect(matrixLayout(3, 5, 'f32').rowWords).toBe(8);
    expect(matrixLayout(3, 9, 'f16').rowWords).toBe(8);
    const { words } = packMatrix(Float32Array.of(1, 2, 3), 1, 3, 'f16');
    expect(words[0]).toBe((0x4000 << 16) | 0x3c00);
    expect(words[1]).toBe(0x4200);
    expect(words.length).toBe(4 * 4); // one row, then zero rows up to four
    expect(words.subarray(2).every((w) => w === 0)).toBe(true);
  });

  it('shifts f16 matrices by the power of two that leaves none subnormal and none past f16, where one exists', () => {
    const sub = 2 ** -24; // the smallest f16 subnormal
    expect(f16ShiftFor(Float32Array.of(0.5, -63.5, sub, 0))).toBe(10);
    expect(f16ShiftFor(Float32Array.of(0.5, -64, 1))).toBe(9); // 64 * 2^10 is past 65504
    expect(f16ShiftFor(new Float32Array(4))).toBe(29); // zeros shift to zeros
    expect(f16ShiftFor(Float32Array.of(0.75, -sub))).toBe(16); // below 1: 2^16 keeps 0.75 under 65504
    expect(f16ShiftFor(Float32Array.of(1000, 0.25))).toBe(6); // 1000 * 2^6 < 65504 <= 1000 * 2^7
    expect(f16ShiftFor(Float32Array.of(1000, sub))).toBeUndefined(); // 2^-24 * 2^6 is still subnormal
    expect(f16ShiftFor(Float32Array.of(1000, 2 ** -18))).toBe(6); // 2^-18 * 2^6 = 2^-12: normal
    expect(f16ShiftFor(Float32Array.of(65504, 1))).toBe(0);
    expect(f16ShiftFor(Float32Array.of(1e6, 1))).toBeUndefined(); // inf in f16
    expect(f16ShiftFor(Float32Array.of(NaN))).toBeUndefined();
  });

  it('packs shifted f16 values exactly: each word half is the rounded value times 2^f16Shift', () => {
    const values = Float32Array.of(0.1, -3, 2 ** -24, 7 * 2 ** -20, 0, -0.0001, 60, 1 / 3, 2 ** -14);
    const plain = packMatrix(values, 3, 3, 'f16');
    const shifted = packMatrix(values, 3, 3, 'f16', true);
    expect(plain.layout.f16Shift).toBeUndefined();
    expect(shifted.layout.f16Shift).toBe(10);
    const half = (words: Uint32Array, layout: { rowWords: number }, k: number, n: number) =>
      (words[k * layout.rowWords + (n >> 1)]! >>> ((n & 1) * 16)) & 0xffff;
    const shiftedHalf = (k: number, n: number) => shiftedPairHalves(shifted.words[k * shifted.layout.rowWords + (n >> 1)]!)[n & 1]!;
    for (let k = 0; k < 3; k++)
      for (let n = 0; n < 3; n++) {
        const want = f16BitsToF32(f32ToF16Bits(values[k * 3 + n]!));
        expect(f16BitsToF32(half(plain.words, plain.layout, k, n))).toBe(want);
        const got = f16BitsToF32(shiftedHalf(k, n));
        expect(got / 1024).toBe(want);
        expect(got === 0 || Math.abs(got) >= 2 ** -14).toBe(true); // none subnormal
      }
  });

  it("arranges a shifted word's halves so that the kernel's f16_bits makes each one's f32 bits (times 2^-112)", () => {
    // shaders/lane_columns.wgsl f16_bits, in u32 arithmetic.
    const f16Bits = (u: number) => [
      (((u + u) & 0x80000000) | ((u >>> 2) & 0x0c000000) | (Math.imul(u, 8192) & 0x03ffe000)) >>> 0,
      (u & 0x8fffe000) >>> 0,
    ];
    const f32 = (bits: number) => new Float32Array(Uint32Array.of(bits).buffer)[0]!;
    const wrong: string[] = [];
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 || ((h & 0x7c00) === 0 && (h & 0x3ff) !== 0)) continue; // packing never stores inf, NaN or subnormals
      const other = (h * 7919) & 0x7bff; // some normal (or zero) half beside it
      for (const [lo, hi] of [
        [h, other],
        [other, h],
      ] as const) {
        const word = shiftedPairWord(lo, hi);
        const [backLo, backHi] = shiftedPairHalves(word);
        const [even, odd] = f16Bits(word);
        if (backLo !== lo || backHi !== hi || f32(even!) !== f16BitsToF32(lo) * 2 ** -112 || f32(odd!) !== f16BitsToF32(hi) * 2 ** -112)
          wrong.push(`${lo.toString(16)},${hi.toString(16)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('stores K rounded up to a multiple of four rows, the extra ones zero', () => {
    expect([1, 3, 4, 5, 63, 64, 65].map((K) => matrixLayout(K, 8, 'f32').rows)).toEqual([4, 4, 4, 8, 64, 64, 68]);
    const { layout, words } = packMatrix(new Float32Array(3 * 5).fill(1), 3, 5, 'f32');
    expect(matrixBytes(layout)).toBe(4 * 8 * 4);
    const f = new Float32Array(words.buffer);
    expect(f.length).toBe(4 * 8);
    expect(Array.from(f.subarray(0, 8))).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(f.subarray(3 * 8).every((v) => v === 0)).toBe(true);
  });

  it("holds a whole number of vec4 per row, the matmul kernels' unit (two per octet in f32, one in f16)", () => {
    for (const N of [1, 3, 8, 9, 63, 64, 65, 258])
      for (const dtype of ['f32', 'f16'] as const) {
        const layout = matrixLayout(2, N, dtype);
        expect(Number.isInteger(rowVec4(layout))).toBe(true);
        expect(rowVec4(layout)).toBe(Math.ceil(N / 8) * (dtype === 'f32' ? 2 : 1));
      }
  });

  it('runs B rows in the smallest GEMV bucket that holds them', () => {
    expect([1, 2, 3, 4, 5, 8, 9, 16].map(bucketFor)).toEqual([1, 2, 4, 4, 8, 8, 16, 16]);
  });
});
