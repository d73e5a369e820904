import { ModelFilesError } from '../errors.js';
import type { LoadOptions } from './architectures.js';
import { blobSource } from './byte-source.js';
import { openGguf } from './gguf-model.js';
import { openHfFolder } from './hf-folder.js';
import type { OpenedModel } from './loaded-model.js';
import { filesFolder } from './model-folder.js';

/**
 * A model the browser user picked or dropped: one .gguf file, or a Hugging Face folder's
 * files. Opened, not read: its weights are read in slices from the user's disk as
 * GpuModel.create uploads them, so the tab never holds the whole model. Nothing goes
 * anywhere but to this GPU.
 */
export async function openModelFiles(files: readonly File[], opts: LoadOptions = {}): Promise<OpenedModel> {
  const ggufs = files.filter((f) => f.name.toLowerCase().endsWith('.gguf'));
  if (ggufs.length === 1) return openGguf(blobSource(ggufs[0]!), opts);
  if (ggufs.length > 1) throw new ModelFilesError(`pick one .gguf file, not ${ggufs.length}`);
  const first = files[0];
  const folder = first?.webkitRelativePath?.split('/')[0] || 'picked folder';
  return openHfFolder(filesFolder(files, folder), opts);
}
