import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReportScript } from '../../scripts/report-script.mjs';
import { buildTrace } from '../report/trace.js';
import { reportContent } from '../report/sections.js';
import type { BenchResults } from '../suites/registry.js';

const STYLE = `body{font:14px system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em}.explain{color:#444;max-width:80ch}.adapter{color:#a33}
.chart{position:relative;height:340px;margin:1em 0}table{border-collapse:collapse;margin:1em 0;font-size:12px}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f4f4f4}`;

/** Set by scripts/offline-bundle.mjs (esbuild `define`): the script below, built ahead for bundles that carry no esbuild. */
declare const PREBUILT_REPORT_SCRIPT: string | undefined;

/** The report page's script: the drawing code and Chart.js, bundled for the browser. */
export async function reportScript(): Promise<string> {
  return typeof PREBUILT_REPORT_SCRIPT === 'string' ? PREBUILT_REPORT_SCRIPT : buildReportScript();
}

/**
 * Writes report.html (self-contained: the report's sections as data, Chart.js and the
 * drawing code inlined, so it opens from disk) and trace.json (Chrome Trace Event
 * format: open it in Perfetto or chrome://tracing).
 */
export async function writeReport(outDir: string, results: BenchResults): Promise<{ report: string; trace: string }> {
  const js = await reportScript();
  const json = JSON.stringify(reportContent(results)).replace(/</g, '\\u003c');
  const head = `<meta charset="utf-8"><title>WebGPU engine benchmark report</title><style>${STYLE}</style>`;
  const html = `<!doctype html><html lang="en"><head>${head}</head>
<body><h1>WebGPU inference engine: benchmark report</h1><div id="report"></div>
<script type="application/json" id="bench-data">${json}</script>
<script>${js.replace(/<\/script/gi, '<\\/script')}</script></body></html>`;
  const report = join(outDir, 'report.html');
  writeFileSync(report, html);
  const trace = join(outDir, 'trace.json');
  writeFileSync(
    trace,
    JSON.stringify(
      buildTrace({
        serve: results.serve ? { events: results.serve.events, steps: results.serve.steps ?? [] } : undefined,
        profiles: results.sweep?.profiles,
        profileModel: results.sweep?.prefill?.[0]?.model,
      }),
    ),
  );
  return { report, trace };
}
