// npm run bench -- [--suite decode,kernels] [--quick] [--out DIR] [--model M] [--browser PATH] [--headed]
// The main job: runs the benchmark suites headless in Chromium on the built-in
// default model, prints a table per suite and writes DIR/<suite>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Table from 'cli-table3';
import { Command } from 'commander';
import ora from 'ora';
import { DEFAULT_PRESET, PRESETS, type AdapterReport } from '../../src/index.js';
import type { DecodeBenchRow } from '../suites/decode.js';
import type { KernelBenchRow } from '../suites/kernels.js';
import { withRunner } from './browser.js';
import { parse, reportError, unwrap } from './common.js';

const SUITES = ['decode', 'kernels'] as const;
type Suite = (typeof SUITES)[number];

const program = new Command('bench')
  .description('Run the benchmark suites headless in Chromium and write their results.')
  .option('--suite <names>', `comma-separated suites: ${SUITES.join(', ')}`, 'decode,kernels')
  .option('--quick', 'fewer repeats and smaller shapes (about a minute on a 2-core software adapter)')
  .option('--model <name>', `model for the decode suite (${Object.keys(PRESETS).join(', ')})`, DEFAULT_PRESET)
  .option('--repeats <n>', 'timed repeats per measurement (default 5, 3 with --quick)', parse.int(1))
  .option('--out <dir>', 'where to write <suite>.json', 'bench/results')
  .option('--browser <path>', 'Chrome/Chromium to run (default: found automatically)')
  .option('--headed', 'show the browser window')
  .option('--verbose', "print the page's console")
  .parse();

interface Opts {
  suite: string;
  quick?: boolean;
  model: string;
  repeats?: number;
  out: string;
  browser?: string;
  headed?: boolean;
  verbose?: boolean;
}

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

function describeAdapter(a: AdapterReport): string {
  return `${a.vendor} ${a.architecture}${a.isFallbackAdapter ? ' (software adapter: these are CPU numbers)' : ''}`;
}

function printDecode(rows: DecodeBenchRow[]): void {
  const t = new Table({ head: ['model', 'dtype', 'weights', 'prompt', 'prefill ms', 'prefill tok/s', 'ms/token', 'decode tok/s', 'GB/s (weights)'] });
  for (const r of rows)
    t.push([r.model, r.dtype, mib(r.weightBytes), r.promptTokens, `${fmt(r.prefillMs.median, 1)} (${fmt(r.prefillMs.min, 1)}-${fmt(r.prefillMs.max, 1)})`, fmt(r.prefillTokensPerSec, 0), `${fmt(r.msPerToken.median)} (${fmt(r.msPerToken.min)}-${fmt(r.msPerToken.max)})`, fmt(r.tokensPerSec, 1), fmt(r.achievedGBps)]);
  console.log(t.toString());
}

function printKernels(rows: KernelBenchRow[]): void {
  const t = new Table({ head: ['kernel', 'dtype', 'M (B)', 'K', 'N', 'ms (min-max)', 'GB/s', 'GFLOP/s'] });
  for (const r of rows) t.push([r.kernel, r.dtype, r.M, r.K, r.N, `${fmt(r.ms.median)} (${fmt(r.ms.min)}-${fmt(r.ms.max)})`, fmt(r.achievedGBps), fmt(r.gflops)]);
  console.log(t.toString());
}

async function main(o: Opts): Promise<void> {
  const suites = o.suite.split(',').map((s) => s.trim());
  const unknown = suites.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length) program.error(`unknown suite '${unknown.join(', ')}'; known: ${SUITES.join(', ')}`);
  if (!PRESETS[o.model]) program.error(`unknown model '${o.model}'; known: ${Object.keys(PRESETS).join(', ')}`);
  const repeats = o.repeats ?? (o.quick ? 3 : 5);
  const outDir = resolve(o.out);
  mkdirSync(outDir, { recursive: true });
  const spinner = ora({ text: 'starting headless Chromium', stream: process.stderr }).start();
  try {
    await withRunner({ browser: o.browser, headed: o.headed, verbose: o.verbose, onProgress: (m) => (spinner.text = m) }, async (runner) => {
      const adapter = unwrap(await runner.call('adapter'));
      spinner.info(`adapter: ${describeAdapter(adapter)}`).start();
      const meta = { adapter, timer: 'wall-clock (submit to completion)', repeats, quick: Boolean(o.quick), date: new Date().toISOString() };
      for (const suite of suites as Suite[]) {
        spinner.start(`${suite}: starting`);
        let rows: DecodeBenchRow[] | KernelBenchRow[];
        if (suite === 'decode') {
          rows = unwrap(
            await runner.call('decodeBench', { model: o.model, dtypes: ['f32', 'f16'], promptTokens: o.quick ? 32 : 128, decodeTokens: o.quick ? 16 : 32, repeats }),
          );
          spinner.succeed(`decode: ${o.model}, greedy, one sequence`);
          printDecode(rows);
        } else {
          const big = o.quick ? 1024 : 2048;
          rows = unwrap(
            await runner.call('kernelBench', {
              gemv: [
                [1, big, big],
                [4, big, big],
                [8, big, big],
              ],
              gemm: [[o.quick ? 128 : 512, big, big]],
              dtypes: ['f32', 'f16'],
              repeats,
            }),
          );
          spinner.succeed('kernels: GEMV (decode) and GEMM (prefill) alone');
          printKernels(rows);
        }
        const file = join(outDir, `${suite}.json`);
        writeFileSync(file, JSON.stringify({ suite, ...meta, rows }, null, 2));
        console.log(`wrote ${file}`);
      }
    });
  } catch (e) {
    spinner.fail('benchmark failed');
    throw e;
  }
}

main(program.opts<Opts>()).catch(reportError);
