// Node module hooks that give `import code from './x.wgsl?raw'` the same meaning
// it has under Vite: the file's text as the default export. With them the CLI
// (and later the Dawn runtime) import the very files the browser build uses:
// one copy of every kernel, one mechanism.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const RAW = /\.wgsl\?raw$/;

export async function resolve(specifier, context, next) {
  if (RAW.test(specifier)) return { url: new URL(specifier, context.parentURL).href, shortCircuit: true };
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (RAW.test(url)) {
    const text = await readFile(fileURLToPath(url.replace(/\?raw$/, '')), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return next(url, context);
}
