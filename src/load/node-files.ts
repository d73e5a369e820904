import { open, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WeightsFormatError } from '../errors.js';
import type { ByteSource } from './byte-source.js';
import type { LoadOptions } from './architectures.js';
import { loadGguf, openGguf } from './gguf-model.js';
import { loadHfFolder, openHfFolder } from './hf-folder.js';
import type { LoadedModel, OpenedModel } from './loaded-model.js';
import type { ModelFolder } from './model-folder.js';

// The Node side of loading: files on disk as ByteSources, a directory as a ModelFolder.
// Kept apart so the browser bundle never imports node:fs.

/** A file on disk, read through one handle at the offsets asked for. */
export async function fileSource(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    name: path,
    size,
    async read(offset, length) {
      if (offset + length > size)
        throw new WeightsFormatError('truncated', `${path}: ${length} bytes at ${offset} run past the end (${size} bytes)`);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) throw new WeightsFormatError('truncated', `${path}: the file ended at ${offset + done} of ${size} bytes`);
        done += bytesRead;
      }
      return out;
    },
    close: () => handle.close(),
  };
}

/** A directory on disk as a model folder. */
export async function directoryFolder(dir: string): Promise<ModelFolder> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  return {
    name: dir,
    has: (name) => names.includes(name),
    names: () => [...names],
    text: (name) => readFile(join(dir, name), 'utf8'),
    source: (name) => fileSource(join(dir, name)),
  };
}

/** Whether a path is a directory (a Hugging Face folder) rather than a file (a .gguf). */
export async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path)).isDirectory();
}

/** A model on disk: a Hugging Face folder or a .gguf file. */
export async function loadModelPath(path: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  if (await isDirectory(path)) return loadHfFolder(await directoryFolder(path), opts);
  const src = await fileSource(path);
  try {
    return await loadGguf(src, opts);
  } finally {
    await src.close?.();
  }
}

/** A model on disk, opened: its weights read as they are asked for (GpuModel.create uploads them layer by layer). */
export async function openModelPath(path: string, opts: LoadOptions = {}): Promise<OpenedModel> {
  if (await isDirectory(path)) return openHfFolder(await directoryFolder(path), opts);
  const src = await fileSource(path);
  try {
    return await openGguf(src, opts);
  } catch (e) {
    await src.close?.();
    throw e;
  }
}
