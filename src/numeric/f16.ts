/**
 * Half-precision helpers. Weights stored as f16 travel to the GPU as pairs
 * packed in u32 (low half = even column) because SwiftShader, and many
 * adapters, lack `shader-f16`; kernels unpack them and compute in f32.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** f32 value -> f16 bits, round to nearest even (overflow -> inf). */
export function f32ToF16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // underflows to zero
    mant |= 0x800000; // implicit bit, then shift into the subnormal range
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

/** f16 bits -> f32 value (exact). A table of all 65,536: loading an f16 model widens every weight. */
export function f16BitsToF32(h: number): number {
  return F16_VALUES[h & 0xffff]!;
}

function f16BitsToF32Slow(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

const F16_VALUES = new Float32Array(65536);
for (let h = 0; h < 65536; h++) F16_VALUES[h] = f16BitsToF32Slow(h);

/** bf16 bits -> f32 value (exact: bf16 is the top half of an f32). */
export function bf16BitsToF32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

/** Rounds every value to the nearest f16, in place, so CPU and GPU see the same weights. */
export function roundToF16InPlace(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = f16BitsToF32(f32ToF16Bits(a[i]!));
  return a;
}
