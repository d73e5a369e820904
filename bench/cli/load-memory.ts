// npx tsx bench/cli/load-memory.ts MODEL_PATH [--stream]
// Loads a model (a Hugging Face folder or a .gguf) as the CLI does and prints how long it
// took and the most memory the process held meanwhile (sampled every 5 ms): the JS heap, the
// ArrayBuffers (where weights live) and the resident set, each beside the file's size.
// --stream reads it as GpuModel.create does from an opened model (the bench page's way):
// layer by layer, each let go before the next (without the GPU's packed copy of one tensor).
import { statSync } from 'node:fs';
import { loadModelPath, openModelPath } from '../../src/load/node-files.js';

const path = process.argv[2];
const stream = process.argv.includes('--stream');
if (!path) throw new Error('usage: npx tsx bench/cli/load-memory.ts MODEL_PATH [--stream]');
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const peak = { heapUsed: 0, arrayBuffers: 0, rss: 0 };
const sample = () => {
  const m = process.memoryUsage();
  for (const k of ['heapUsed', 'arrayBuffers', 'rss'] as const) peak[k] = Math.max(peak[k], m[k]);
};
const timer = setInterval(sample, 5);
const t0 = performance.now();
let largest = 0;
const model = stream ? await openModelPath(path) : await loadModelPath(path);
if (stream) {
  const src = (model as Awaited<ReturnType<typeof openModelPath>>).weights;
  for (let i = 0; i < src.config.layers; i++) {
    const l = await src.layer(i);
    largest = Math.max(largest, l.wqkv.byteLength, l.wGateUp.byteLength, l.wDown.byteLength, l.wo.byteLength);
  }
  const embed = await src.embed();
  largest = Math.max(largest, embed.byteLength, (await src.lmHead(embed)).byteLength);
  await (model as Awaited<ReturnType<typeof openModelPath>>).close();
} else {
  const w = (model as Awaited<ReturnType<typeof loadModelPath>>).weights;
  largest = w.embed.byteLength;
  for (const l of w.layers) largest = Math.max(largest, l.wqkv.byteLength, l.wGateUp.byteLength, l.wDown.byteLength, l.wo.byteLength);
}
sample();
clearInterval(timer);
const size = statSync(path).isFile() ? statSync(path).size : NaN;
const how = stream ? 'read layer by layer' : 'loaded whole';
const seconds = ((performance.now() - t0) / 1000).toFixed(2);
console.log(`${model.name}: ${model.format}, ${model.family} family, ${model.weights.dtype}, ${how} in ${seconds} s`);
console.log(`file ${mib(size)}; largest tensor as loaded (f32) ${mib(largest)}`);
console.log(`peak JS heap ${mib(peak.heapUsed)}, ArrayBuffers ${mib(peak.arrayBuffers)}, resident ${mib(peak.rss)}`);
