// The bench page (npm run dev): the same suites as npm run bench (bench/suites/registry.ts),
// with the same options at the same levels, run live on this browser's GPU and drawn with
// the same code as report.html.
import { acquireGpu, chooseKernels, describeKernels, EngineError, PRESETS, DEFAULT_PRESET, type GpuContext } from '../src/index.js';
import { makeEngineApi, type RunnerResult } from './suites/api.js';
import { SUITES, type BenchResults, type SuiteName } from './suites/registry.js';
import { runSuites } from './suites/run.js';
import { LEVELS, type Level, type RunMeta } from './suites/suite.js';
import { loadWorkload } from './suites/workloads.js';
import { drawReport } from './report/draw.js';
import { reportContent } from './report/sections.js';
import { buildTrace } from './report/trace.js';
import { setUpChat } from './chat.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const gpuBox = $('gpu');
const status = $('status');
const bar = $<HTMLProgressElement>('progress');

class Cancelled extends Error {}
let cancel: AbortController | undefined;
let results: BenchResults = {};
let ctx: GpuContext | undefined;

setUpChat(() => ctx);

const api = makeEngineApi({
  gpu: () => Promise.resolve(ctx!),
  fetchBytes: async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer()),
  // Every suite reports progress often: the cancel button takes effect there.
  progress: (msg) => {
    status.textContent = msg;
    if (cancel?.signal.aborted) throw new Cancelled('cancelled');
  },
});

function unwrap<T>(r: RunnerResult<T>): T {
  if (r.ok) return r.value;
  if (r.error.message === 'cancelled') throw new Cancelled('cancelled');
  throw new EngineError(r.error.code, r.error.message);
}

function download(name: string, data: unknown): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  a.download = name;
  a.click();
}

async function init(): Promise<void> {
  if (!('gpu' in navigator)) {
    gpuBox.innerHTML = `<p class="warning">This browser offers no WebGPU. In Chrome or Chromium, enable it with the
      <code>--enable-unsafe-webgpu</code> flag (or chrome://flags/#enable-unsafe-webgpu), and open this page from
      <code>http://localhost</code>. Or run the same suites headless: <code>npm run bench</code>.</p>`;
    return;
  }
  try {
    ctx = await acquireGpu();
  } catch (e) {
    gpuBox.innerHTML = `<p class="warning">${(e as Error).message}</p>`;
    return;
  }
  const a = ctx.adapter;
  const software =
    '<p class="warning">This is a software adapter: the GPU is emulated on the CPU, so every number here is a CPU number.</p>';
  const limits = JSON.stringify(a.limits, null, 1);
  const details = `<details><summary>features and limits</summary><p>${a.features.join(', ')}</p><pre>${limits}</pre></details>`;
  const kernels = describeKernels(chooseKernels(a));
  gpuBox.innerHTML = `<p class="adapter-info"><b>${a.vendor} ${a.architecture}</b> ${a.description}; kernels: ${kernels}</p>
    ${a.isFallbackAdapter ? software : ''}${details}`;
  const suite = $<HTMLSelectElement>('suite');
  for (const s of SUITES) suite.add(new Option(`${s.name}: ${s.summary}`, s.name));
  const model = $<HTMLSelectElement>('model');
  for (const name of Object.keys(PRESETS)) model.add(new Option(name, name, name === DEFAULT_PRESET, name === DEFAULT_PRESET));
  const level = $<HTMLSelectElement>('level');
  for (const l of LEVELS) level.add(new Option(l, l, l === 'quick', l === 'quick'));
  $<HTMLFieldSetElement>('controls').disabled = false;
}

/** The page's controls as suite options (bench/suites/options.ts names them; the rest take the level's values). */
function givenOptions(): Record<string, unknown> {
  return {
    model: $<HTMLSelectElement>('model').value,
    policy: $<HTMLInputElement>('policies')
      .value.split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    workload: $<HTMLSelectElement>('workload').value,
    requests: Number($<HTMLInputElement>('requests').value),
  };
}

function show(): void {
  const root = $('report');
  root.innerHTML = ''; // the report says when the run was cancelled
  drawReport(root, reportContent(results));
  $<HTMLButtonElement>('download-json').disabled = false;
  $<HTMLButtonElement>('download-trace').disabled = !results.serve && !results.sweep;
}

$('run').addEventListener('click', () => {
  const runBtn = $<HTMLButtonElement>('run');
  const cancelBtn = $<HTMLButtonElement>('cancel');
  cancel = new AbortController();
  runBtn.disabled = true;
  cancelBtn.disabled = false;
  bar.removeAttribute('value'); // indeterminate while a suite runs
  results = {};
  const level = $<HTMLSelectElement>('level').value as Level;
  const kernels = chooseKernels(ctx!.adapter);
  const meta: RunMeta = {
    runtime: 'browser',
    adapter: { ...ctx!.adapter, kernels },
    timer: ctx!.hasTimestamps ? 'timestamp-query' : 'wall-clock',
    level,
    date: new Date().toISOString(),
  };
  const host = {
    level,
    given: givenOptions(),
    meta,
    loadWorkload,
    measure: async (name: SuiteName, request: unknown) => unwrap(await api.runSuite(name, request)),
  };
  runSuites([$<HTMLSelectElement>('suite').value as SuiteName], host, results)
    .then(() => (status.textContent = 'done'))
    .catch((e: unknown) => {
      if (e instanceof Cancelled) {
        results.cancelled = true;
        status.textContent = 'cancelled; partial results kept';
      } else status.textContent = `error: ${(e as Error).message}`;
    })
    .finally(() => {
      bar.value = 1;
      runBtn.disabled = false;
      cancelBtn.disabled = true;
      show();
    });
});
$('cancel').addEventListener('click', () => cancel?.abort());
$('download-json').addEventListener('click', () => download('bench-results.json', results));
$('download-trace').addEventListener('click', () =>
  download(
    'trace.json',
    buildTrace({
      serve: results.serve ? { events: results.serve.events, steps: results.serve.steps } : undefined,
      profiles: results.sweep?.profiles,
    }),
  ),
);

void init();
