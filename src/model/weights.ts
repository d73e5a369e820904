import { type ModelConfig, qkvWidth, validateConfig } from './config.js';
import { fillUniform, mulberry32 } from '../numeric/prng.js';
import { roundToF16InPlace } from '../numeric/f16.js';

import { bytesPerWeight, type WeightDtype } from '../numeric/dtype.js';

/**
 * One decoder layer. Matrices are stored input-major, [K, N] (K inputs, N
 * outputs), the transpose of the Llama checkpoint's [out, in]: decode then
 * reads each weight row k for all outputs contiguously, which is what both
 * the GEMV and the GEMM kernels want. Q|K|V and gate|up are fused so one
 * kernel launch covers each group.
 */
export interface LayerWeights {
  attnNorm: Float32Array; // [D]
  wqkv: Float32Array; // [D, (H + 2 Hkv) Dh]   columns: q heads, k heads, v heads
  wo: Float32Array; // [H Dh, D]
  mlpNorm: Float32Array; // [D]
  wGateUp: Float32Array; // [D, 2F]             columns: gate, then up
  wDown: Float32Array; // [F, D]
  /** With config.qkvBias: added to every Q|K|V row, [(H + 2 Hkv) Dh]. */
  bqkv?: Float32Array;
  /** With config.qkNorm: the gains of the per-head RMSNorm of queries and of keys, [Dh] each. */
  qNorm?: Float32Array;
  kNorm?: Float32Array;
}

/**
 * A whole model's weights as f32 values. With dtype 'f16' every matrix value
 * is already rounded to f16, so the CPU reference computes with exactly the
 * numbers the GPU unpacks. Norm gains stay f32 (tiny, read once).
 */
export interface ModelWeights {
  config: ModelConfig;
  dtype: WeightDtype;
  embed: Float32Array; // [V, D]  row per token, for the gather
  layers: LayerWeights[];
  finalNorm: Float32Array; // [D]
  lmHead: Float32Array; // [D, V]
}

/**
 * Deterministic synthetic weights. Scales keep activations near unit size at
 * any depth: each matrix has variance 1/fan_in, and the two matrices that
 * write into the residual stream are further scaled by 1/sqrt(2L), so the L
 * layers' contributions add up to about one unit instead of growing with L.
 */
export function syntheticWeights(config: ModelConfig, dtype: WeightDtype = 'f32', seed = 1234): ModelWeights {
  validateConfig(config);
  const { dModel: D, heads: H, headDim: Dh, ffnDim: F, vocab: V, layers: L } = config;
  const round = (v: Float32Array) => (dtype === 'f16' ? roundToF16InPlace(v) : v);
  const rand = mulberry32(seed);
  const residualScale = 1 / Math.sqrt(2 * L);
  const matrix = (K: number, N: number, scale = 1) => {
    const m = fillUniform(new Float32Array(K * N), scale / Math.sqrt(K), rand);
    return dtype === 'f16' ? roundToF16InPlace(m) : m;
  };
  // Gains near 1 but not exactly 1, so a kernel that ignored them would fail its test.
  const gain = (n = D) => {
    const g = new Float32Array(n);
    for (let i = 0; i < n; i++) g[i] = 1 + (rand() - 0.5) * 0.2;
    // Rounded too under f16, so an f16 checkpoint holds exactly these values.
    return round(g);
  };
  const layers: LayerWeights[] = [];
  for (let l = 0; l < L; l++) {
    layers.push({
      attnNorm: gain(),
      wqkv: matrix(D, qkvWidth(config)),
      wo: matrix(H * Dh, D, residualScale),
      mlpNorm: gain(),
      wGateUp: matrix(D, 2 * F),
      wDown: matrix(F, D, residualScale),
      // Biases of the size of a typical projection output, so a kernel that dropped them would show.
      ...(config.qkvBias && { bqkv: round(fillUniform(new Float32Array(qkvWidth(config)), 0.5, rand)) }),
      ...(config.qkNorm && { qNorm: gain(Dh), kNorm: gain(Dh) }),
    });
  }
  const embed = fillUniform(new Float32Array(V * D), 1, rand);
  if (dtype === 'f16') roundToF16InPlace(embed);
  const finalNorm = gain();
  // A tied head is the embedding table, transposed into the matmul's [D, V].
  const lmHead = config.tiedEmbeddings ? transpose(embed, V, D) : matrix(D, V);
  return { config, dtype, embed, layers, finalNorm, lmHead };
}

/** Bytes of matrix weights as stored on the GPU (what each decode step reads). */
export function weightBytes(w: ModelWeights): number {
  const per = bytesPerWeight(w.dtype);
  let n = w.lmHead.length;
  for (const l of w.layers) n += l.wqkv.length + l.wo.length + l.wGateUp.length + l.wDown.length;
  return n * per;
}

/** Transposes a row-major [rows, cols] matrix into [cols, rows]. */
export function transpose(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c]!;
  return out;
}
