import { WeightsFormatError } from '../errors.js';
import { bf16BitsToF32, f16BitsToF32, f32ToF16Bits } from '../numeric/f16.js';

/**
 * The safetensors container: 8 bytes little-endian header length N, N bytes of
 * JSON ({name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}),
 * then the data; offsets are relative to the end of the header. Every field is
 * checked before use, so a hostile file yields a WeightsFormatError, never an
 * out-of-bounds read or a silently wrong model.
 */
export type FileDtype = 'F32' | 'F16' | 'BF16';
const BYTES: Record<FileDtype, number> = { F32: 4, F16: 2, BF16: 2 };
/** Headers larger than this are refused before JSON parsing (the format's own cap). */
const MAX_HEADER = 100 * 1024 * 1024;

export interface TensorInfo {
  name: string;
  dtype: FileDtype;
  shape: number[];
  begin: number; // absolute byte offset in the file
  end: number;
}

export interface SafetensorsFile {
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  bytes: Uint8Array;
}

export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.byteLength < 8)
    throw new WeightsFormatError('truncated', `file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const headerLen = headerLength(bytes.subarray(0, 8), bytes.byteLength);
  const { tensors, metadata } = parseHeader(bytes.subarray(8, 8 + headerLen), bytes.byteLength);
  return { tensors, metadata, bytes };
}

/** The header length the first 8 bytes give, checked against the file's size. */
export function headerLength(first8: Uint8Array, fileSize: number): number {
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER) throw new WeightsFormatError('bad-header', `header length ${headerLen} exceeds ${MAX_HEADER} bytes`);
  if (8 + headerLen > fileSize)
    throw new WeightsFormatError('truncated', `header claims ${headerLen} bytes but the file has only ${fileSize - 8} after the length`);
  return headerLen;
}

/**
 * The JSON header (the bytes after the length) of a file of `fileSize` bytes: every tensor's
 * dtype, shape and offsets checked against the data section before anything is read.
 */
export function parseHeader(headerBytes: Uint8Array, fileSize: number): Pick<SafetensorsFile, 'tensors' | 'metadata'> {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new WeightsFormatError('bad-header', `header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new WeightsFormatError('bad-header', 'header must be a JSON object');
  const dataStart = 8 + headerBytes.byteLength;
  const dataLen = fileSize - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null) throw new WeightsFormatError('bad-header', '__metadata__ must be an object');
      metadata = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== 'object' || t === null || !Array.isArray(t.shape) || !Array.isArray(t.data_offsets) || typeof t.dtype !== 'string')
      throw new WeightsFormatError('bad-header', `tensor '${name}' lacks dtype, shape or data_offsets`);
    if (!(t.dtype in BYTES))
      throw new WeightsFormatError('unsupported-dtype', `tensor '${name}' has dtype ${t.dtype}; supported: F32, F16, BF16`);
    const dtype = t.dtype as FileDtype;
    const shape = t.shape as unknown[];
    if (!shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))
      throw new WeightsFormatError('bad-header', `tensor '${name}' has a malformed shape ${JSON.stringify(shape)}`);
    const offs = t.data_offsets as unknown[];
    if (offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && (o as number) >= 0))
      throw new WeightsFormatError('bad-header', `tensor '${name}' has malformed data_offsets ${JSON.stringify(offs)}`);
    const [b, e] = offs as [number, number];
    if (b > e || e > dataLen)
      throw new WeightsFormatError('bad-offsets', `tensor '${name}' spans [${b}, ${e}) but the data section has ${dataLen} bytes`);
    const count = (shape as number[]).reduce((a, d) => a * d, 1);
    if (e - b !== count * BYTES[dtype])
      throw new WeightsFormatError(
        'bad-offsets',
        `tensor '${name}' of shape [${shape.join(',')}] ${dtype} needs ${count * BYTES[dtype]} bytes, offsets give ${e - b}`,
      );
    tensors.set(name, { name, dtype, shape: shape as number[], begin: dataStart + b, end: dataStart + e });
  }
  return { tensors, metadata };
}

/** Reads a tensor as f32 values (f16 and bf16 widen exactly). */
export function readTensorF32(file: SafetensorsFile, t: TensorInfo): Float32Array {
  return tensorBytesToF32(file.bytes.subarray(t.begin, t.end), t.dtype);
}

/** A tensor's bytes, as the file stores them in `dtype`, as f32 values. */
export function tensorBytesToF32(bytes: Uint8Array, dtype: FileDtype): Float32Array {
  const n = bytes.byteLength / BYTES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  if (dtype === 'F32') for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  else if (dtype === 'F16') for (let i = 0; i < n; i++) out[i] = f16BitsToF32(view.getUint16(2 * i, true));
  else for (let i = 0; i < n; i++) out[i] = bf16BitsToF32(view.getUint16(2 * i, true));
  return out;
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Writes tensors (f32 values) as a safetensors file in F32 or F16. */
export function writeSafetensors(tensors: TensorToWrite[], dtype: 'F32' | 'F16', metadata: Record<string, string> = {}): Uint8Array {
  const size = BYTES[dtype];
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (n !== t.data.length) throw new Error(`tensor ${t.name}: shape [${t.shape.join(',')}] holds ${n} values, data has ${t.data.length}`);
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + n * size] };
    offset += n * size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // align the data section, as the reference writer does
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const t of tensors) {
    if (dtype === 'F32') for (let i = 0; i < t.data.length; i++, p += 4) view.setFloat32(p, t.data[i]!, true);
    else for (let i = 0; i < t.data.length; i++, p += 2) view.setUint16(p, f32ToF16Bits(t.data[i]!), true);
  }
  return out;
}
