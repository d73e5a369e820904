// node scripts/offline-bundle.mjs [DIR] (default dist/offline): the Node runtime's
// commands (bench, verify, generate) as one folder that runs with a bare `node` on
// a GPU server that cannot reach a package registry: each command one ES module
// with every dependency inside, the shaders inlined, and Dawn (the npm package
// `webgpu`, this platform's build only) beside them. The browser runtime is left
// out (it needs Playwright and a browser); the report page's script is built
// ahead, so `bench` still writes report.html. Copy DIR over and run, e.g.
//   node DIR/bench.mjs --runtime node --suite ceilings,kernels --out results
// The Vulkan loader (libvulkan.so.1) and the GPU's driver come from that machine.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildReportScript } from './report-script.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'dist/offline'));
const COMMANDS = ['bench', 'verify', 'generate'];

/** `import code from './x.wgsl?raw'` (Vite's meaning, and scripts/wgsl-hooks.mjs's): the file's text. */
const wgslRaw = {
  name: 'wgsl-raw',
  setup(b) {
    b.onResolve({ filter: /\.wgsl\?raw$/ }, (a) => ({ path: resolve(a.resolveDir, a.path.replace(/\?raw$/, '')), namespace: 'wgsl' }));
    b.onLoad({ filter: /.*/, namespace: 'wgsl' }, (a) => ({ contents: readFileSync(a.path, 'utf8'), loader: 'text' }));
  },
};

/** Packages only the browser runtime and the report's on-the-fly build use: stand-ins that say so if reached. */
const STUBS = {
  playwright: 'export const chromium = { launch() { throw new Error(MSG); } };',
  vite: 'export function createServer() { throw new Error(MSG); }',
  esbuild: 'export function build() { throw new Error(MSG); }',
};
const browserless = {
  name: 'browserless',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${Object.keys(STUBS).join('|')})$`) }, (a) => ({ path: a.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, (a) => ({
      contents: `const MSG = "this offline bundle has no ${a.path}: use --runtime node, or run from the repository";\n${STUBS[a.path]}`,
      loader: 'js',
    }));
  },
};

const reportScript = await buildReportScript();

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: Object.fromEntries(COMMANDS.map((c) => [c, join(root, `bench/cli/${c}.ts`)])),
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu'],
  plugins: [wgslRaw, browserless],
  define: { PREBUILT_REPORT_SCRIPT: JSON.stringify(reportScript) },
  // CommonJS dependencies (commander, cli-table3) call require(); ES modules have none.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});

// Dawn: the package's loader and this platform's build.
const dawn = join(root, 'node_modules/webgpu');
const platform = `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`;
const target = join(out, 'node_modules/webgpu');
for (const f of ['index.js', 'package.json', 'LICENSE.md']) cpSync(join(dawn, f), join(target, f));
cpSync(join(dawn, 'dist', platform), join(target, 'dist', platform), { recursive: true });
writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module', private: true }, null, 2) + '\n');
console.log(`[offline-bundle] ${COMMANDS.map((c) => `${c}.mjs`).join(', ')} and Dawn (${platform}) in ${out}`);
