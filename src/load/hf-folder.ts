import { ModelFilesError, WeightsFormatError } from '../errors.js';
import { materialize, streamWeights, type TensorReader } from '../model/build-weights.js';
import { headerLength, parseHeader, tensorBytesToF32, type TensorInfo } from '../model/safetensors.js';
import { TextTokenizer } from '../text/tokenizer.js';
import { configFromHf, type LoadOptions } from './architectures.js';
import type { ByteSource } from './byte-source.js';
import type { LoadedModel, OpenedModel } from './loaded-model.js';
import type { ModelFolder } from './model-folder.js';

// A Hugging Face model folder: config.json, model.safetensors or shards named by
// model.safetensors.index.json, tokenizer.json, tokenizer_config.json (chat template,
// special tokens) and generation_config.json (the ids that end a reply).

const INDEX = 'model.safetensors.index.json';

async function json(folder: ModelFolder, name: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await folder.text(name)) as Record<string, unknown>;
  } catch (e) {
    throw new ModelFilesError(`${folder.name}/${name} is not valid JSON: ${(e as Error).message}`);
  }
}

/** One shard's header, read from its first bytes only. */
async function shardHeader(src: ByteSource): Promise<Map<string, TensorInfo>> {
  if (src.size < 8) throw new WeightsFormatError('truncated', `${src.name} is ${src.size} bytes, shorter than the 8-byte header length`);
  const len = headerLength(await src.read(0, 8), src.size);
  return parseHeader(await src.read(8, len), src.size).tensors;
}

/** The shards a folder's weights are in: the one file, or those its index names (each checked to exist). */
async function shardNames(folder: ModelFolder): Promise<{ shards: string[]; weightMap?: Record<string, string> }> {
  if (folder.has(INDEX)) {
    const index = await json(folder, INDEX);
    const weightMap = index.weight_map as Record<string, string> | undefined;
    if (!weightMap || typeof weightMap !== 'object') throw new ModelFilesError(`${INDEX} has no weight_map`);
    const shards = [...new Set(Object.values(weightMap))];
    const missing = shards.filter((s) => !folder.has(s));
    if (missing.length) throw new ModelFilesError(`${folder.name} lacks the shard(s) ${missing.join(', ')} that ${INDEX} names`);
    return { shards, weightMap };
  }
  if (folder.has('model.safetensors')) return { shards: ['model.safetensors'] };
  throw new ModelFilesError(`${folder.name} has no model.safetensors nor ${INDEX} (only .safetensors weights are read)`);
}

/** Loads a Hugging Face folder whole: openHfFolder, every tensor read. */
export async function loadHfFolder(folder: ModelFolder, opts: LoadOptions = {}): Promise<LoadedModel> {
  const opened = await openHfFolder(folder, opts);
  try {
    return { ...opened, weights: await materialize(opened.weights) };
  } finally {
    await opened.close();
  }
}

/**
 * Opens a Hugging Face folder: config and tokenizer first (refusing what we cannot run), then
 * every shard's header, and every tensor checked against the config; the weights are read
 * when asked for.
 */
export async function openHfFolder(folder: ModelFolder, opts: LoadOptions = {}): Promise<OpenedModel> {
  for (const need of ['config.json', 'tokenizer.json'])
    if (!folder.has(need))
      throw new ModelFilesError(`${folder.name} has no ${need}; a model folder needs config.json, tokenizer.json and its weights`);
  const name = folder.name.split('/').filter(Boolean).pop() ?? folder.name;
  const { config, family } = configFromHf(await json(folder, 'config.json'), name, opts);
  const tokenizerConfig = folder.has('tokenizer_config.json') ? await json(folder, 'tokenizer_config.json') : {};
  const generation = folder.has('generation_config.json') ? await json(folder, 'generation_config.json') : {};
  const eos = generation.eos_token_id;
  const eosIds = (Array.isArray(eos) ? eos : eos === undefined ? [] : [eos]).filter((x): x is number => typeof x === 'number');
  const tokenizer = new TextTokenizer(await json(folder, 'tokenizer.json'), tokenizerConfig, { eosIds });

  const { shards, weightMap } = await shardNames(folder);
  const sources: ByteSource[] = [];
  const close = async () => {
    for (const s of sources) await s.close?.();
  };
  try {
    const where = new Map<string, { src: ByteSource; info: TensorInfo }>();
    for (const shard of shards) {
      const src = await folder.source(shard);
      sources.push(src);
      for (const [tname, info] of await shardHeader(src)) {
        const prior = where.get(tname);
        if (prior) throw new ModelFilesError(`tensor '${tname}' is in both ${prior.src.name} and ${shard}`);
        if (weightMap && weightMap[tname] !== undefined && weightMap[tname] !== shard)
          throw new ModelFilesError(`tensor '${tname}' is in ${shard}, but ${INDEX} puts it in ${weightMap[tname]}`);
        where.set(tname, { src, info });
      }
    }
    if (weightMap) {
      const lost = Object.keys(weightMap).filter((t) => !where.has(t));
      if (lost.length) throw new ModelFilesError(`${INDEX} names ${lost.length} tensor(s) no shard holds, first '${lost[0]}'`);
    }
    const reader: TensorReader = {
      has: (n) => where.has(n),
      shape: (n) => where.get(n)!.info.shape,
      dtype: (n) => where.get(n)!.info.dtype,
      read: async (n) => {
        const { src, info } = where.get(n)!;
        return tensorBytesToF32(await src.read(info.begin, info.end - info.begin), info.dtype);
      },
    };
    return { weights: streamWeights(config, reader), tokenizer, family, format: 'hf', name, close };
  } catch (e) {
    await close();
    throw e;
  }
}
