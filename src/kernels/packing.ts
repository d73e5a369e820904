import { f32ToF16Bits } from '../model/f16.js';
import type { WeightDtype } from '../model/weights.js';

/**
 * How a [K, N] weight matrix sits in a GPU buffer, shared by gemm.wgsl and
 * gemv.wgsl: input-major rows of N values padded with zeros to Np, a multiple
 * of 8, so every row starts 16-byte aligned and GEMM's 8-column vec4 loads
 * never straddle rows. f32 rows are Np words; f16 rows are Np/2 words, each
 * holding two adjacent columns (low half = even column). After the K rows come
 * zero rows up to a multiple of four (paddedRows).
 */
export interface MatrixLayout {
  K: number;
  N: number;
  dtype: WeightDtype;
  rowWords: number; // u32 per row
  rows: number; // rows stored: K rounded up to a multiple of 4, the extra ones zero
}

/** Np: a row's columns padded to a multiple of 8 (the zeros are never stored back). */
export function paddedColumns(N: number): number {
  return Math.ceil(N / 8) * 8;
}

/**
 * Rows stored for K: a multiple of four. Past one row, shaders/lane_matmul.wgsl takes
 * k in blocks of four and reads a whole block even past K; zero rows there add exactly
 * nothing (their activations are zero too), so it needs no per-load bounds test and
 * select, which cost a batched GEMV 9-23% at 2-8 rows on SwiftShader.
 */
export function paddedRows(K: number): number {
  return Math.ceil(K / 4) * 4;
}

/** Bytes of a packed matrix: `rows` rows of rowWords words. */
export function matrixBytes(layout: MatrixLayout): number {
  return layout.rows * layout.rowWords * 4;
}

/**
 * vec4<u32> per stored row, as the matmul kernels index the weights: exact, since a row
 * holds N rounded up to 8 columns (8 words in f32, 4 of f16 pairs at least).
 */
export function rowVec4(layout: MatrixLayout): number {
  return layout.rowWords / 4;
}

export function matrixLayout(K: number, N: number, dtype: WeightDtype): MatrixLayout {
  const Np = paddedColumns(N);
  return { K, N, dtype, rowWords: dtype === 'f16' ? Np / 2 : Np, rows: paddedRows(K) };
}

/** Packs f32 values [K, N] into the layout's words. */
export function packMatrix(values: Float32Array, K: number, N: number, dtype: WeightDtype): { layout: MatrixLayout; words: Uint32Array } {
  const layout = matrixLayout(K, N, dtype);
  const words = new Uint32Array(layout.rows * layout.rowWords); // rows past K stay zero
  if (dtype === 'f32') {
    const f = new Float32Array(words.buffer);
    for (let k = 0; k < K; k++) f.set(values.subarray(k * N, (k + 1) * N), k * layout.rowWords);
  } else {
    for (let k = 0; k < K; k++)
      for (let n = 0; n < N; n++) words[k * layout.rowWords + (n >> 1)]! |= f32ToF16Bits(values[k * N + n]!) << ((n & 1) * 16);
  }
  return { layout, words };
}

/** Packs an embedding table [V, D] for embedding.wgsl: f32 rows of D words, or f16 rows of ceil(D/2). */
export function packTable(values: Float32Array, V: number, D: number, dtype: WeightDtype): { rowWords: number; words: Uint32Array } {
  if (dtype === 'f32') return { rowWords: D, words: new Uint32Array(values.slice().buffer) };
  const rowWords = Math.ceil(D / 2);
  const words = new Uint32Array(V * rowWords);
  for (let v = 0; v < V; v++)
    for (let d = 0; d < D; d++) words[v * rowWords + (d >> 1)]! |= f32ToF16Bits(values[v * D + d]!) << ((d & 1) * 16);
  return { rowWords, words };
}
