import { ModelFilesError } from '../errors.js';
import type { LoadOptions } from './architectures.js';
import { blobSource } from './byte-source.js';
import { loadGguf } from './gguf-model.js';
import { loadHfFolder } from './hf-folder.js';
import type { LoadedModel } from './loaded-model.js';
import { filesFolder } from './model-folder.js';

/**
 * A model the browser user picked or dropped: one .gguf file, or a Hugging Face folder's
 * files. Read in slices from the user's disk; nothing is uploaded anywhere.
 */
export async function loadModelFiles(files: readonly File[], opts: LoadOptions = {}): Promise<LoadedModel> {
  const ggufs = files.filter((f) => f.name.toLowerCase().endsWith('.gguf'));
  if (ggufs.length === 1) return loadGguf(blobSource(ggufs[0]!), opts);
  if (ggufs.length > 1) throw new ModelFilesError(`pick one .gguf file, not ${ggufs.length}`);
  const first = files[0];
  const folder = first?.webkitRelativePath?.split('/')[0] || 'picked folder';
  return loadHfFolder(filesFolder(files, folder), opts);
}
