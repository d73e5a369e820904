import { blobSource, type ByteSource, memorySource } from './byte-source.js';

/**
 * A Hugging Face model folder, wherever it lives: a directory on disk (node-files.ts) or the
 * files a browser user picked or dropped (filesFolder). Only the files a model needs are read.
 */
export interface ModelFolder {
  readonly name: string;
  has(name: string): boolean;
  names(): string[];
  text(name: string): Promise<string>;
  source(name: string): Promise<ByteSource>;
}

/** Files picked in the browser (a folder's files, matched by their base names). */
export function filesFolder(files: readonly File[], name = 'picked folder'): ModelFolder {
  const byName = new Map(files.map((f) => [f.name.split('/').pop()!, f]));
  const get = (n: string) => {
    const f = byName.get(n);
    if (!f) throw new Error(`${name} has no ${n}`);
    return f;
  };
  return {
    name,
    has: (n) => byName.has(n),
    names: () => [...byName.keys()],
    text: (n) => get(n).text(),
    source: (n) => Promise.resolve(blobSource(get(n), n)),
  };
}

/** Files held in memory by name (tests). */
export function memoryFolder(files: Record<string, Uint8Array | string>, name = 'memory folder'): ModelFolder {
  const bytes = (n: string) => {
    const f = files[n];
    if (f === undefined) throw new Error(`${name} has no ${n}`);
    return typeof f === 'string' ? new TextEncoder().encode(f) : f;
  };
  return {
    name,
    has: (n) => n in files,
    names: () => Object.keys(files),
    text: (n) => Promise.resolve(new TextDecoder().decode(bytes(n))),
    source: (n) => Promise.resolve(memorySource(bytes(n), n)),
  };
}
