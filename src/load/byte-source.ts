import { WeightsFormatError } from '../errors.js';

/**
 * A file read piece by piece: a model file is never held whole in memory, only the
 * header being parsed and the tensor being converted. Node reads a path through a file
 * handle (src/load/node-files.ts); the browser reads a `File` with Blob.slice.
 */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes from `offset`; a short read is a truncated file. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** A file the browser gave us (file picker, drag and drop): read in slices, never uploaded anywhere. */
export function blobSource(file: Blob, name = (file as File).name ?? 'blob'): ByteSource {
  return {
    name,
    size: file.size,
    async read(offset, length) {
      if (offset + length > file.size)
        throw new WeightsFormatError('truncated', `${name}: ${length} bytes at ${offset} run past the end (${file.size} bytes)`);
      return new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
    },
  };
}

/** Bytes already in memory (tests, small files). */
export function memorySource(bytes: Uint8Array, name = 'memory'): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    read(offset, length) {
      if (offset + length > bytes.byteLength)
        return Promise.reject(
          new WeightsFormatError('truncated', `${name}: ${length} bytes at ${offset} run past the end (${bytes.byteLength} bytes)`),
        );
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
  };
}
