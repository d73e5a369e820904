// npx tsx bench/cli/load-memory.ts MODEL_PATH
// Loads a model (a Hugging Face folder or a .gguf) as the CLI does and prints how long it
// took and the most memory the process held meanwhile (sampled every 5 ms): the JS heap, the
// ArrayBuffers (where weights live) and the resident set, each beside the file's size.
import { statSync } from 'node:fs';
import { loadModelPath } from '../../src/load/node-files.js';

const path = process.argv[2];
if (!path) throw new Error('usage: npx tsx bench/cli/load-memory.ts MODEL_PATH');
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const peak = { heapUsed: 0, arrayBuffers: 0, rss: 0 };
const sample = () => {
  const m = process.memoryUsage();
  for (const k of ['heapUsed', 'arrayBuffers', 'rss'] as const) peak[k] = Math.max(peak[k], m[k]);
};
const timer = setInterval(sample, 5);
const t0 = performance.now();
const model = await loadModelPath(path);
sample();
clearInterval(timer);
const size = statSync(path).isFile() ? statSync(path).size : NaN;
const w = model.weights;
let largest = w.embed.byteLength;
for (const l of w.layers) largest = Math.max(largest, l.wqkv.byteLength, l.wGateUp.byteLength, l.wDown.byteLength, l.wo.byteLength);
console.log(
  `${model.name}: ${model.format}, ${model.family} family, ${w.dtype}, loaded in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
);
console.log(`file ${mib(size)}; largest tensor as loaded (f32) ${mib(largest)}`);
console.log(`peak JS heap ${mib(peak.heapUsed)}, ArrayBuffers ${mib(peak.arrayBuffers)}, resident ${mib(peak.rss)}`);
