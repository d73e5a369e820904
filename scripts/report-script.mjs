// The report page's script (bench/report/entry.ts: the drawing code and Chart.js) as one
// browser bundle. bench/cli/report.ts inlines it into report.html; scripts/offline-bundle.mjs
// builds it ahead for bundles that carry no esbuild.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export async function buildReportScript() {
  const entry = fileURLToPath(new URL('../bench/report/entry.ts', import.meta.url));
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    minify: true,
    write: false,
    target: 'es2020',
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}
