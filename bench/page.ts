// The bench page (npm run dev): the same suites as npm run bench, run live on
// this browser's GPU, drawn with the same code as report.html.
import {
  acquireGpu,
  DEFAULT_MAX_SEQS,
  EngineError,
  PRESETS,
  DEFAULT_PRESET,
  poissonWorkload,
  seedWorkload,
  type GpuContext,
} from '../src/index.js';
import { LADDER_WIDTHS_QUICK, LADDER_WIDTHS } from '../src/perf/ladder.js';
import type { Ceilings } from '../src/perf/ceilings.js';
import { judgedKernelRows } from './suites/kernels.js';
import { sweepFile } from './suites/sweep.js';
import { makeEngineApi, type RunnerResult } from './suites/api.js';
import { DEFAULT_SERVE_BUDGET, SATURATE } from './suites/serve.js';
import { renderReport, type BenchResults } from './report/render.js';
import { buildTrace } from './report/trace.js';
import { describeKernels } from './report/format.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const gpuBox = $('gpu');
const status = $('status');
const bar = $<HTMLProgressElement>('progress');

class Cancelled extends Error {}
let cancel: AbortController | undefined;
let results: BenchResults & { cancelled?: boolean } = {};
let ctx: GpuContext | undefined;

const api = makeEngineApi({
  gpu: async () => ctx!,
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
  gpuBox.innerHTML = `<p class="adapter-info"><b>${a.vendor} ${a.architecture}</b> ${a.description}; kernels: ${describeKernels(ctx.tuning)}</p>
    ${a.isFallbackAdapter ? '<p class="warning">This is a software adapter: the GPU is emulated on the CPU, so every number here is a CPU number.</p>' : ''}
    <details><summary>features and limits</summary><p>${a.features.join(', ')}</p><pre>${JSON.stringify(a.limits, null, 1)}</pre></details>`;
  const model = $<HTMLSelectElement>('model');
  for (const name of Object.keys(PRESETS)) model.add(new Option(name, name, name === DEFAULT_PRESET, name === DEFAULT_PRESET));
  $<HTMLFieldSetElement>('controls').disabled = false;
}

async function runSuite(suite: string, quick: boolean, meta: object): Promise<void> {
  const model = $<HTMLSelectElement>('model').value;
  const dtype = $<HTMLSelectElement>('dtype').value as 'f32' | 'f16';
  const needCeilings = async (): Promise<Ceilings> => {
    const c = results.ceilings ?? {
      ...meta,
      ...unwrap(
        await api.ceilings({ sizesMiB: quick ? [1, 4, 16] : [1, 4, 16, 64, 256], repeats: quick ? 3 : 5, fmaTrips: quick ? 128 : 1024 }),
      ),
    };
    results.ceilings = c;
    return c;
  };
  if (suite === 'ceilings') await needCeilings();
  else if (suite === 'kernels') {
    const c = await needCeilings();
    const gemvSize = quick ? 512 : 4096; // 64 MiB of f32 weights: past the caches
    const gemmSize = quick ? 512 : 2048;
    const { rows, skipped, peers, peerErrors } = unwrap(
      await api.kernelBench({
        gemv: [1, 4, 8].map((b) => [b, gemvSize, gemvSize]),
        gemm: [[quick ? 64 : 512, gemmSize, gemmSize]],
        dtypes: [dtype],
        repeats: 3,
        peers: true,
      }),
    );
    results.kernels = { ...meta, ceilings: c, skipped, rows: judgedKernelRows(rows, c), peers, peerErrors };
  } else if (suite === 'sweep') {
    const c = await needCeilings();
    const out = unwrap(
      await api.sweepBench({
        widths: quick ? LADDER_WIDTHS_QUICK.slice(0, 3) : LADDER_WIDTHS,
        dtypes: ['f32', 'f16'],
        decodeSteps: 4,
        prefillModel: model,
        promptLengths: quick ? [1, 16] : [1, 8, 32, 128, 512],
        ceilings: c,
      }),
    );
    results.sweep = { ...meta, ...sweepFile(out, c) };
  } else if (suite === 'decode') {
    results.decode = {
      ...meta,
      rows: unwrap(await api.decodeBench({ model, dtypes: [dtype], promptTokens: 32, decodeTokens: 16, repeats: 3 })),
    };
  } else {
    const n = Number($<HTMLInputElement>('requests').value);
    // Poisson arrivals drawn at one request per second, compressed to a saturating rate once the step calibration has measured this GPU.
    const seed = $<HTMLSelectElement>('workload').value === 'seed';
    const trace = seed ? seedWorkload() : poissonWorkload({ requests: n, rate: 1, promptTokens: [16, 64], outputTokens: [8, 32], seed: 1 });
    const policies = $<HTMLInputElement>('policies')
      .value.split(',')
      .map((p) => p.trim());
    const out = unwrap(
      await api.serveBench({
        model,
        policies,
        trace,
        maxSeqs: DEFAULT_MAX_SEQS,
        tokenBudget: DEFAULT_SERVE_BUDGET,
        replays: quick ? 1 : 3,
        saturate: seed ? undefined : SATURATE,
      }),
    );
    results.serve = {
      ...meta,
      workload: seed ? 'seed' : 'poisson',
      arrivals: out.arrivals,
      slo: out.slo,
      idle: out.idle,
      calibration: out.calibration,
      rows: out.rows,
      events: out.trace,
      steps: out.steps,
    };
  }
}

function show(): void {
  const root = $('report');
  root.innerHTML = ''; // renderReport says when the run was cancelled
  renderReport(root, results);
  $<HTMLButtonElement>('download-json').disabled = false;
  $<HTMLButtonElement>('download-trace').disabled = !results.serve && !results.sweep;
}

$('run').addEventListener('click', async () => {
  const runBtn = $<HTMLButtonElement>('run');
  const cancelBtn = $<HTMLButtonElement>('cancel');
  cancel = new AbortController();
  runBtn.disabled = true;
  cancelBtn.disabled = false;
  bar.removeAttribute('value'); // indeterminate while a suite runs
  results = {};
  const meta = {
    runtime: 'browser',
    adapter: { ...ctx!.adapter, tuning: ctx!.tuning },
    timer: ctx!.hasTimestamps ? 'timestamp-query' : 'wall-clock',
    date: new Date().toISOString(),
  };
  try {
    await runSuite($<HTMLSelectElement>('suite').value, $<HTMLInputElement>('quick').checked, meta);
    status.textContent = 'done';
  } catch (e) {
    if (e instanceof Cancelled) {
      results.cancelled = true;
      status.textContent = 'cancelled; partial results kept';
    } else status.textContent = `error: ${(e as Error).message}`;
  } finally {
    bar.value = 1;
    runBtn.disabled = false;
    cancelBtn.disabled = true;
    show();
  }
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
