/** cos and sin of every position's angle for every rotary pair: [C, Dh/2] each. */
export interface RopeTable {
  cos: Float32Array;
  sin: Float32Array;
}

/**
 * The table for RoPE's "rotate half" pairing, angle pos * theta^(-2i/Dh) / factors[i] for
 * pair i (factors: Llama 3's scaling, else 1). Made once in f64 and rounded: the GPU kernel
 * (uploaded) and the CPU reference use the very same numbers, so RoPE adds no disagreement
 * between them.
 */
export function ropeTable(contextLength: number, headDim: number, theta: number, factors?: readonly number[]): RopeTable {
  const half = headDim / 2;
  const cos = new Float32Array(contextLength * half);
  const sin = new Float32Array(contextLength * half);
  for (let p = 0; p < contextLength; p++)
    for (let i = 0; i < half; i++) {
      const angle = (p * theta ** ((-2 * i) / headDim)) / (factors?.[i] ?? 1);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  return { cos, sin };
}

/** Llama 3's `rope_scaling` (config.json, rope_type "llama3"). */
export interface Llama3RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalContext: number;
}

/**
 * The per-pair divisors of Llama 3's scaled RoPE, as llama.cpp's converter writes them into
 * a GGUF's `rope_freqs` tensor: 1 for wavelengths under originalContext / highFreqFactor,
 * `factor` over originalContext / lowFreqFactor, and a smooth blend between. Rounded to f32
 * as that tensor stores them, so a Hugging Face folder and the GGUF made from it turn by
 * the same angles.
 */
export function ropeFactorsLlama3(headDim: number, theta: number, s: Llama3RopeScaling): number[] {
  const lowWavelen = s.originalContext / s.lowFreqFactor;
  const highWavelen = s.originalContext / s.highFreqFactor;
  const out: number[] = [];
  const f = Math.fround;
  for (let i = 0; i < headDim / 2; i++) {
    // The converter computes in f32 tensors (torch.float32), operation by operation.
    const freq = f(1 / f(theta ** f((2 * i) / headDim)));
    const wavelen = f(f(2 * Math.PI) / freq);
    if (wavelen < highWavelen) out.push(1);
    else if (wavelen > lowWavelen) out.push(f(s.factor));
    else {
      const smooth = f(f(f(s.originalContext) / wavelen) - s.lowFreqFactor) / f(s.highFreqFactor - s.lowFreqFactor);
      const blend = f(f(f(1 - f(smooth)) / f(s.factor)) + f(smooth));
      out.push(f(1 / blend));
    }
  }
  return out;
}
