import { WeightsFormatError } from '../errors.js';
import { bf16BitsToF32, f16BitsToF32, f32ToF16Bits } from '../numeric/f16.js';
import type { ByteSource } from './byte-source.js';

// GGUF, llama.cpp's container (v2 and v3; the spec: ggml's docs/gguf.md): "GGUF", a version,
// the tensor and metadata counts, the metadata as typed key/value pairs, one info record per
// tensor (name, dims fastest first, ggml type, offset into the data), then the data, each
// tensor at a multiple of general.alignment (32 by default). Read from a ByteSource, header
// first and each tensor when asked, so a file is never whole in memory. Our own reader
// rather than @huggingface/gguf: that one reads from a URL or a Node path, not from a
// browser File, and its checks stop short of what a hostile file needs (counts and lengths
// that would need more bytes than the file has, overlapping or misaligned tensors).

export type GgufValue = number | bigint | boolean | string | GgufValue[];

/** Metadata value types, as the file numbers them. */
const V = { U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, U64: 10, I64: 11, F64: 12 } as const;
const SCALAR_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** ggml tensor types: bytes per block and values per block. Those we can load are in LOADABLE. */
export const GGML_TYPES: Record<number, { name: string; blockBytes: number; blockValues: number }> = {
  0: { name: 'F32', blockBytes: 4, blockValues: 1 },
  1: { name: 'F16', blockBytes: 2, blockValues: 1 },
  2: { name: 'Q4_0', blockBytes: 18, blockValues: 32 },
  3: { name: 'Q4_1', blockBytes: 20, blockValues: 32 },
  6: { name: 'Q5_0', blockBytes: 22, blockValues: 32 },
  7: { name: 'Q5_1', blockBytes: 24, blockValues: 32 },
  8: { name: 'Q8_0', blockBytes: 34, blockValues: 32 },
  10: { name: 'Q2_K', blockBytes: 84, blockValues: 256 },
  11: { name: 'Q3_K', blockBytes: 110, blockValues: 256 },
  12: { name: 'Q4_K', blockBytes: 144, blockValues: 256 },
  13: { name: 'Q5_K', blockBytes: 176, blockValues: 256 },
  14: { name: 'Q6_K', blockBytes: 210, blockValues: 256 },
  24: { name: 'I8', blockBytes: 1, blockValues: 1 },
  25: { name: 'I16', blockBytes: 2, blockValues: 1 },
  26: { name: 'I32', blockBytes: 4, blockValues: 1 },
  30: { name: 'BF16', blockBytes: 2, blockValues: 1 },
};
export const LOADABLE = ['F32', 'F16', 'BF16'] as const;
export type LoadableType = (typeof LOADABLE)[number];

export interface GgufTensorInfo {
  name: string;
  /** ggml order, fastest-varying first: a [rows, cols] matrix is [cols, rows] here. */
  dims: number[];
  type: string;
  /** Absolute byte offset in the file, and length. */
  offset: number;
  bytes: number;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: Map<string, GgufTensorInfo>;
  source: ByteSource;
}

const MAX_DIMS = 4;
const MAX_ARRAY_DEPTH = 2;
const CHUNK = 1 << 20;

/** A forward cursor over the header that reads the source a chunk at a time as it goes. */
class Cursor {
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private bufStart = 0;
  private at = 0; // within buf

  constructor(private readonly src: ByteSource) {}

  get pos(): number {
    return this.bufStart + this.at;
  }

  get left(): number {
    return this.src.size - this.pos;
  }

  /** Makes n bytes available from the cursor; a file shorter than that is truncated. */
  async need(n: number, what: string): Promise<void> {
    if (this.at + n <= this.buf.byteLength) return;
    if (n > this.left)
      throw new WeightsFormatError(
        'truncated',
        `${this.src.name}: ${what} needs ${n} bytes at ${this.pos}, the file has ${this.left} left`,
      );
    const start = this.pos;
    const length = Math.min(this.src.size - start, Math.max(n, CHUNK));
    this.buf = await this.src.read(start, length);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.bufStart = start;
    this.at = 0;
  }

  u32(): number {
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  /** A u64 as a number; past 2^53 it cannot be a real count or offset in a file we can read. */
  u64(what: string): number {
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new WeightsFormatError('bad-header', `${this.src.name}: ${what} is ${v}, past any file size`);
    return Number(v);
  }

  scalar(type: number): number | bigint | boolean {
    const d = this.view;
    const a = this.at;
    this.at += SCALAR_BYTES[type]!;
    switch (type) {
      case V.U8:
        return d.getUint8(a);
      case V.I8:
        return d.getInt8(a);
      case V.U16:
        return d.getUint16(a, true);
      case V.I16:
        return d.getInt16(a, true);
      case V.U32:
        return d.getUint32(a, true);
      case V.I32:
        return d.getInt32(a, true);
      case V.F32:
        return d.getFloat32(a, true);
      case V.BOOL:
        return d.getUint8(a) !== 0;
      case V.U64:
        return d.getBigUint64(a, true);
      case V.I64:
        return d.getBigInt64(a, true);
      default:
        return d.getFloat64(a, true);
    }
  }

  async string(what: string): Promise<string> {
    await this.need(8, what);
    const n = this.u64(`${what}'s length`);
    if (n > this.left)
      throw new WeightsFormatError(
        'bad-header',
        `${this.src.name}: ${what} claims ${n} bytes, more than the ${this.left} left in the file`,
      );
    await this.need(n, what);
    const s = decoder.decode(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }

  async value(type: number, what: string, depth = 0): Promise<GgufValue> {
    if (type === V.STRING) return this.string(what);
    if (type === V.ARRAY) {
      if (depth >= MAX_ARRAY_DEPTH) throw new WeightsFormatError('bad-header', `${this.src.name}: ${what} nests arrays too deep`);
      await this.need(12, what);
      const itemType = this.u32();
      const n = this.u64(`${what}'s length`);
      const min = itemType === V.STRING || itemType === V.ARRAY ? 8 : SCALAR_BYTES[itemType];
      if (min === undefined) throw new WeightsFormatError('bad-header', `${this.src.name}: ${what} has items of unknown type ${itemType}`);
      if (n * min > this.left)
        throw new WeightsFormatError(
          'bad-header',
          `${this.src.name}: ${what} claims ${n} items, more than the ${this.left} bytes left in the file could hold`,
        );
      const out: GgufValue[] = new Array<GgufValue>(n);
      if (itemType === V.STRING || itemType === V.ARRAY) {
        for (let i = 0; i < n; i++) out[i] = await this.value(itemType, what, depth + 1);
      } else {
        await this.need(n * min, what);
        for (let i = 0; i < n; i++) out[i] = this.scalar(itemType);
      }
      return out;
    }
    const bytes = SCALAR_BYTES[type];
    if (bytes === undefined) throw new WeightsFormatError('bad-header', `${this.src.name}: ${what} has unknown value type ${type}`);
    await this.need(bytes, what);
    return this.scalar(type);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Reads and checks a GGUF header: every count, length, dimension and offset against the file. */
export async function readGguf(source: ByteSource): Promise<GgufFile> {
  const c = new Cursor(source);
  await c.need(24, 'the header');
  const magic = c.u32();
  if (magic !== 0x46554747)
    throw new WeightsFormatError('bad-header', `${source.name} is not a GGUF file (its first bytes are not "GGUF")`);
  const version = c.u32();
  if (version !== 2 && version !== 3)
    throw new WeightsFormatError('bad-header', `${source.name} is GGUF version ${version}; versions 2 and 3 are supported`);
  const tensorCount = c.u64('the tensor count');
  const kvCount = c.u64('the metadata count');
  // The smallest a metadata pair can be: an empty key (8) and a type (4) and a byte.
  if (kvCount * 13 > c.left)
    throw new WeightsFormatError('bad-header', `${source.name} claims ${kvCount} metadata pairs, more than it has bytes for`);
  // The smallest tensor info: an empty name (8), n_dims (4), one dim (8), type (4), offset (8).
  if (tensorCount * 32 > c.left)
    throw new WeightsFormatError('bad-header', `${source.name} claims ${tensorCount} tensors, more than it has bytes for`);
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = await c.string('a metadata key');
    await c.need(4, key);
    metadata.set(key, await c.value(c.u32(), `metadata '${key}'`));
  }
  const alignment = metadata.get('general.alignment') ?? 32;
  if (typeof alignment !== 'number' || alignment < 1 || (alignment & (alignment - 1)) !== 0)
    throw new WeightsFormatError('bad-header', `${source.name}: general.alignment ${String(alignment)} is not a power of two`);
  const infos: { name: string; dims: number[]; type: number; offset: number }[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = await c.string('a tensor name');
    await c.need(4, name);
    const nDims = c.u32();
    if (nDims < 1 || nDims > MAX_DIMS)
      throw new WeightsFormatError('bad-header', `tensor '${name}' has ${nDims} dimensions (1..${MAX_DIMS})`);
    await c.need(8 * nDims + 12, name);
    const dims = Array.from({ length: nDims }, () => c.u64(`a dimension of '${name}'`));
    infos.push({ name, dims, type: c.u32(), offset: c.u64(`the offset of '${name}'`) });
  }
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  const dataBytes = source.size - dataStart;
  const tensors = new Map<string, GgufTensorInfo>();
  for (const t of infos) {
    const type = GGML_TYPES[t.type];
    if (!type) throw new WeightsFormatError('unsupported-dtype', `tensor '${t.name}' has ggml type ${t.type}, which we do not know`);
    if (t.offset % alignment !== 0)
      throw new WeightsFormatError('bad-offsets', `tensor '${t.name}' starts at ${t.offset}, not a multiple of the alignment ${alignment}`);
    const count = t.dims.reduce((a, d) => a * d, 1);
    if (!Number.isSafeInteger(count) || t.dims[0]! % type.blockValues !== 0)
      throw new WeightsFormatError('bad-header', `tensor '${t.name}' has dimensions [${t.dims.join(', ')}] that ${type.name} cannot hold`);
    const bytes = (count / type.blockValues) * type.blockBytes;
    if (t.offset + bytes > dataBytes)
      throw new WeightsFormatError(
        'truncated',
        `tensor '${t.name}' (${bytes} bytes at ${t.offset}) runs past the end of the data (${Math.max(0, dataBytes)} bytes)`,
      );
    if (tensors.has(t.name)) throw new WeightsFormatError('bad-header', `tensor '${t.name}' is listed twice`);
    tensors.set(t.name, { name: t.name, dims: t.dims, type: type.name, offset: dataStart + t.offset, bytes });
  }
  const sorted = [...tensors.values()].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i - 1]!.offset + sorted[i - 1]!.bytes > sorted[i]!.offset)
      throw new WeightsFormatError('bad-offsets', `tensors '${sorted[i - 1]!.name}' and '${sorted[i]!.name}' overlap`);
  return { version, metadata, tensors, source };
}

/** A tensor's values as f32 (F16 and BF16 widen exactly); quantized types are refused by name. */
export async function readGgufTensorF32(file: GgufFile, t: GgufTensorInfo): Promise<Float32Array> {
  if (!(LOADABLE as readonly string[]).includes(t.type))
    throw new WeightsFormatError(
      'unsupported-dtype',
      `tensor '${t.name}' is ${t.type}; this engine loads ${LOADABLE.join(', ')} tensors (quantized types are not supported yet)`,
    );
  const bytes = await file.source.read(t.offset, t.bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = t.type === 'F32' ? t.bytes / 4 : t.bytes / 2;
  const out = new Float32Array(n);
  if (t.type === 'F32') for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  else if (t.type === 'F16') for (let i = 0; i < n; i++) out[i] = f16BitsToF32(view.getUint16(2 * i, true));
  else for (let i = 0; i < n; i++) out[i] = bf16BitsToF32(view.getUint16(2 * i, true));
  return out;
}

// ---- Writing: tests and tools make GGUF files with synthetic weights. ----

/** A metadata value to write, typed as the file will hold it. */
export type GgufWriteValue =
  | { type: 'u32' | 'i32' | 'f32' | 'bool' | 'string'; value: number | boolean | string }
  | { type: 'array'; items: 'u32' | 'i32' | 'f32' | 'string'; values: readonly (number | string)[] };

export const gguf = {
  u32: (value: number): GgufWriteValue => ({ type: 'u32', value }),
  i32: (value: number): GgufWriteValue => ({ type: 'i32', value }),
  f32: (value: number): GgufWriteValue => ({ type: 'f32', value }),
  bool: (value: boolean): GgufWriteValue => ({ type: 'bool', value }),
  str: (value: string): GgufWriteValue => ({ type: 'string', value }),
  arr: (items: 'u32' | 'i32' | 'f32' | 'string', values: readonly (number | string)[]): GgufWriteValue => ({
    type: 'array',
    items,
    values,
  }),
};

export interface GgufTensorToWrite {
  name: string;
  /** ggml order, fastest first. */
  dims: number[];
  type: LoadableType;
  data: Float32Array;
}

const TYPE_CODE: Record<string, number> = { u32: V.U32, i32: V.I32, f32: V.F32, bool: V.BOOL, string: V.STRING, array: V.ARRAY };
const TENSOR_CODE: Record<LoadableType, number> = { F32: 0, F16: 1, BF16: 30 };

/** A GGUF v3 file of these metadata pairs and tensors, data aligned to 32 bytes. */
export function writeGguf(metadata: Record<string, GgufWriteValue>, tensors: readonly GgufTensorToWrite[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  const u32 = (v: number) => new Uint8Array(Uint32Array.of(v).buffer);
  const u64 = (v: number) => new Uint8Array(BigUint64Array.of(BigInt(v)).buffer);
  const str = (s: string) => {
    const b = enc.encode(s);
    parts.push(u64(b.byteLength), b);
  };
  const scalar = (type: string, v: number | boolean | string) => {
    if (type === 'string') return str(v as string);
    if (type === 'bool') return parts.push(Uint8Array.of(v ? 1 : 0));
    const b = new DataView(new ArrayBuffer(4));
    if (type === 'u32') b.setUint32(0, v as number, true);
    else if (type === 'i32') b.setInt32(0, v as number, true);
    else b.setFloat32(0, v as number, true);
    parts.push(new Uint8Array(b.buffer));
  };
  parts.push(enc.encode('GGUF'), u32(3), u64(tensors.length), u64(Object.keys(metadata).length));
  for (const [key, v] of Object.entries(metadata)) {
    str(key);
    parts.push(u32(TYPE_CODE[v.type]!));
    if (v.type === 'array') {
      parts.push(u32(TYPE_CODE[v.items]!), u64(v.values.length));
      for (const x of v.values) scalar(v.items, x);
    } else scalar(v.type, v.value);
  }
  const align = (n: number) => Math.ceil(n / 32) * 32;
  const data: Uint8Array[] = tensors.map((t) => tensorBytes(t));
  let offset = 0;
  tensors.forEach((t, i) => {
    str(t.name);
    parts.push(u32(t.dims.length), ...t.dims.map(u64), u32(TENSOR_CODE[t.type]), u64(offset));
    offset = align(offset + data[i]!.byteLength);
  });
  const header = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(align(header) + offset);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  at = align(header);
  for (const d of data) {
    out.set(d, at);
    at = align(at + d.byteLength);
  }
  return out;
}

function tensorBytes(t: GgufTensorToWrite): Uint8Array {
  if (t.type === 'F32') return new Uint8Array(t.data.slice().buffer);
  const out = new Uint16Array(t.data.length);
  if (t.type === 'F16') for (let i = 0; i < out.length; i++) out[i] = f32ToF16Bits(t.data[i]!);
  else {
    // bf16: the top half of the f32, rounded to nearest even.
    const u = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
    for (let i = 0; i < out.length; i++) out[i] = (u[i]! + 0x7fff + ((u[i]! >>> 16) & 1)) >>> 16;
  }
  return new Uint8Array(out.buffer);
}
