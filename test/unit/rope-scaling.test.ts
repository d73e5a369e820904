import { describe, expect, it } from 'vitest';
import { ropeFactorsLlama3, ropeTable } from '../../src/numeric/rope-table.js';

// Llama 3.1's published scaling: factor 8, low 1, high 4, original context 8192, theta 500000, Dh 128.
const LLAMA31 = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 };

/** Hugging Face's `_compute_llama3_parameters`, written out in f64: the scaled inverse frequencies. */
function hfInvFreq(Dh: number, theta: number, s: typeof LLAMA31): number[] {
  const out: number[] = [];
  for (let i = 0; i < Dh / 2; i++) {
    const inv = 1 / theta ** ((2 * i) / Dh);
    const wavelen = (2 * Math.PI) / inv;
    const low = s.originalContext / s.lowFreqFactor;
    const high = s.originalContext / s.highFreqFactor;
    if (wavelen < high) out.push(inv);
    else if (wavelen > low) out.push(inv / s.factor);
    else {
      const smooth = (s.originalContext / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      out.push((1 - smooth) * (inv / s.factor) + smooth * inv);
    }
  }
  return out;
}

describe("Llama 3's scaled RoPE", () => {
  const factors = ropeFactorsLlama3(128, 500000, LLAMA31);

  it('keeps high frequencies, divides low ones by the factor, blends between', () => {
    expect(factors).toHaveLength(64);
    expect(factors[0]).toBe(1);
    expect(factors[63]).toBe(8);
    const blended = factors.filter((f) => f > 1 && f < 8);
    expect(blended.length).toBeGreaterThan(0);
    // Monotone: lower frequencies are never scaled less.
    for (let i = 1; i < 64; i++) expect(factors[i]!).toBeGreaterThanOrEqual(factors[i - 1]!);
  });

  it("turns by Hugging Face's scaled frequencies, within f32 rounding of the factors", () => {
    const want = hfInvFreq(128, 500000, LLAMA31);
    const table = ropeTable(2, 128, 500000, factors); // position 1: angle = the frequency
    for (let i = 0; i < 64; i++) {
      const angle = Math.atan2(table.sin[64 + i]!, table.cos[64 + i]!);
      expect(Math.abs(angle - want[i]!) / want[i]!, `pair ${i}`).toBeLessThan(1e-5);
    }
  });

  it('without factors, the table is the plain one', () => {
    const plain = ropeTable(5, 16, 10000);
    const ones = ropeTable(5, 16, 10000, new Array<number>(8).fill(1));
    expect(ones.cos).toEqual(plain.cos);
    expect(ones.sin).toEqual(plain.sin);
  });
});
