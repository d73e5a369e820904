import { f16BitsToF32, f32ToF16Bits } from '../numeric/f16.js';
import type { WeightDtype } from '../numeric/dtype.js';

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
  /**
   * f16 only: the values are stored times 2^f16Shift, which leaves none subnormal, for
   * kernels that turn f16 bits into f32 bits by a shift and masks (lane_columns.wgsl,
   * F16_SHIFTED) and scale the activations instead, each word's two halves arranged
   * as shiftedPairWord says. Absent: plain f16 values.
   */
  f16Shift?: number;
}

/** Np: a row's columns padded to a multiple of 8 (the zeros are never stored back). */
export function paddedColumns(N: number): number {
  return Math.ceil(N / 8) * 8;
}

/**
 * Rows stored for K: a multiple of four. Past one row, shaders/lane_matmul.wgsl takes
 * k in blocks of four and reads a whole block even past K; zero rows there add exactly
 * nothing (their activations are zero too), so it needs no per-load bounds test and
 * select, which cost a batched GEMV dearly on SwiftShader (docs/results.md, "Lane matmul loads").
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

/**
 * The power of two 2^s to store a matrix's f16 values times (the values rounded to f16
 * first) for the shifted unpacking (shaders/lane_columns.wgsl, F16_SHIFTED), which is
 * exact when every nonzero value is normal after scaling (its f32 bits, read as they
 * stand, are then normal too, which SwiftShader does not flush). The largest s that
 * keeps the largest value within f16's range: 10 when every |value| < 64, 16 below 1.
 * The kernels multiply activations by 2^(112 - s), so the larger s the larger an
 * activation may be before that overflows (2^(16 + s): 2^32 for weights below 1).
 * Undefined when a subnormal would stay subnormal, or a value is not finite in f16 (the
 * kernels then unpack plain f16 with unpack2x16float).
 */
export function f16ShiftFor(values: Float32Array): number | undefined {
  return shiftForHalves(Uint16Array.from(values, f32ToF16Bits));
}

/** f16ShiftFor over f16 bit patterns (zeros, such as a packed matrix's padding, change nothing). */
function shiftForHalves(halves: Uint16Array): number | undefined {
  // An f16's magnitude bits order as its magnitude does.
  let max = 0;
  let min = 0x7fff;
  for (const h of halves) {
    const m = h & 0x7fff;
    if (m >= 0x7c00) return undefined; // inf or NaN
    if (m > max) max = m;
    if (m > 0 && m < min) min = m;
  }
  const exponent = (m: number) => Math.max(1, m >> 10) - 15; // of the leading binade (subnormals: -14)
  const s = 15 - exponent(max);
  // A subnormal m (exponent field 0) is m * 2^-24: normal times 2^s once m * 2^s >= 2^10.
  return min >= 0x400 || min * 2 ** s >= 0x400 ? s : undefined;
}

/**
 * Packs f32 values [K, N] into the layout's words. f16: rounded to f16; with
 * `shiftF16`, stored times 2^f16ShiftFor(values) where one fits (exact: a power of two
 * that keeps every value within f16's normal range), recorded in the layout, each word's
 * halves arranged for the shifted unpacking (shiftedPairWord).
 */
export function packMatrix(
  values: Float32Array,
  K: number,
  N: number,
  dtype: WeightDtype,
  shiftF16 = false,
): { layout: MatrixLayout; words: Uint32Array } {
  const layout = matrixLayout(K, N, dtype);
  const words = new Uint32Array(layout.rows * layout.rowWords); // rows past K stay zero
  if (dtype === 'f32') {
    const f = new Float32Array(words.buffer);
    for (let k = 0; k < K; k++) f.set(values.subarray(k * N, (k + 1) * N), k * layout.rowWords);
    return { layout, words };
  }
  for (let k = 0; k < K; k++)
    for (let n = 0; n < N; n++) words[k * layout.rowWords + (n >> 1)]! |= f32ToF16Bits(values[k * N + n]!) << ((n & 1) * 16);
  if (!shiftF16) return { layout, words };
  // The packed halves, rescaled in place (a u16 view of the words: this is little-endian).
  const halves = new Uint16Array(words.buffer);
  const shift = shiftForHalves(halves);
  if (shift === undefined) return { layout, words };
  layout.f16Shift = shift;
  if (shift > 0) {
    const scaled = scaledHalves(shift);
    for (let i = 0; i < halves.length; i++) halves[i] = scaled[halves[i]!]!;
  }
  for (let i = 0; i < words.length; i++) words[i] = shiftedPairWord(halves[2 * i]!, halves[2 * i + 1]!);
  return { layout, words };
}

/** Every f16 bit pattern's pattern times 2^shift (exact), made once per shift and kept: a model's matrices mostly share one. */
const scaledByShift = new Map<number, Uint16Array>();
function scaledHalves(shift: number): Uint16Array {
  let t = scaledByShift.get(shift);
  if (!t) scaledByShift.set(shift, (t = Uint16Array.from({ length: 0x10000 }, (_, h) => f32ToF16Bits(f16BitsToF32(h) * 2 ** shift))));
  return t;
}

/**
 * One word of a shifted f16 matrix: the even column's half `lo` and the odd column's
 * `hi`, arranged so that shaders/lane_columns.wgsl (f16_bits) makes each an f32's bits
 * with one shift between them. SwiftShader turns every vector shift into four scalar
 * ones (a lane at a time, about 12 x86 instructions), but masks, adds and multiplies
 * by a power of two stay vector instructions. The odd half sits where its f32 bits
 * want it (sign at bit 31, exponent and mantissa at 27..13: a mask makes it); the even
 * half fills the other 16 bits: its sign at 30 (doubling the word moves it to 31), its
 * exponent's top two bits at 29..28 (a shift right by 2 moves them to 27..26) and its
 * other 13 bits at 12..0 (times 2^13: 25..13).
 */
export function shiftedPairWord(lo: number, hi: number): number {
  return (((hi & 0x8000) << 16) | ((hi & 0x7fff) << 13) | ((lo & 0xe000) << 15) | (lo & 0x1fff)) >>> 0;
}

/** The two halves (even column, odd column) of a word shiftedPairWord made. */
export function shiftedPairHalves(word: number): [number, number] {
  return [((word >>> 15) & 0xe000) | (word & 0x1fff), ((word >>> 16) & 0x8000) | ((word >>> 13) & 0x7fff)];
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
