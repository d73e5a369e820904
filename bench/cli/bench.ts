// npm run bench -- [--suite ceilings,kernels,sweep,decode,serve,tune] [--quick] [--out DIR] [--model M] [--browser PATH] [--headed]
//   serve: [--policy serial,static,continuous] [--workload FILE|seed|poisson] [--rate R] [--requests N] [--replays N] [--slo SPEC]
// The main job: runs the benchmark suites headless in Chromium on the built-in
// default model, prints a table per suite and writes DIR/<suite>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import ora from 'ora';
import { DEFAULT_MAX_SEQS, DEFAULT_PRESET, makePolicy, POLICY_NAMES, PRESETS, type Slo, type TuningOverrides } from '../../src/index.js';
import { withRuntime, type RuntimeName } from './runtime.js';
import { ensureChromium } from '../../scripts/chromium.mjs';
import { parse, reportError, unwrap } from './common.js';
import { ceilingsTable, decodeTable, describeRun, kernelTable, peerTable, serveTable, sweepTables, tuneTable } from './tables.js';
import type { Ceilings } from '../../src/perf/ceilings.js';
import { judgedKernelRows } from '../suites/kernels.js';
import { sweepFile } from '../suites/sweep.js';
import { LADDER_WIDTHS, LADDER_WIDTHS_QUICK } from '../../src/perf/ladder.js';
import { describeGenerator, generatorOf, loadWorkload, SATURATE, saturates, type WorkloadOptions } from './workloads.js';
import { DEFAULT_SERVE_BUDGET, DEFAULT_SLO } from '../suites/serve.js';
import { writeReport } from './report.js';
import { describeArrivals, describeSlowdowns, describeSpeedups } from '../report/format.js';
import type { BenchResults } from '../report/render.js';

const SUITES = ['ceilings', 'kernels', 'sweep', 'decode', 'serve', 'tune'] as const;
type Suite = (typeof SUITES)[number];
/** What `npm run bench` runs; tune is asked for by name (it tries tile shapes, it does not measure the engine). */
const DEFAULT_SUITES: Suite[] = ['ceilings', 'kernels', 'sweep', 'decode', 'serve'];

const program = new Command('bench')
  .description('Run the benchmark suites headless in Chromium and write their results.')
  .option('--suite <names>', `comma-separated suites: ${SUITES.join(', ')} (tune only when named)`, DEFAULT_SUITES.join(','))
  .option('--quick', 'fewer repeats, smaller shapes, fewer requests (a few minutes on a 2-core software adapter)')
  .option('--model <name>', `model for the decode and serve suites (${Object.keys(PRESETS).join(', ')})`, DEFAULT_PRESET)
  .option('--repeats <n>', 'timed repeats per measurement (default 5, 3 with --quick)', parse.int(1))
  .option('--policy <names>', `serve: comma-separated policies (${POLICY_NAMES.join(', ')})`, 'serial,static,continuous')
  .option('--workload <w>', 'serve: poisson, seed, or a JSON trace file [{arrivalS, promptTokens | prompt, outputTokens}]', 'poisson')
  .option(
    '--rate <r>',
    `serve: poisson requests per second (default: ${SATURATE.loadFactor}x what continuous batching finishes here, from the step calibration, which saturates the engine)`,
    parseFloat,
  )
  .option('--requests <n>', 'serve: poisson requests (default 32, 12 with --quick)', parse.int(1))
  .option(
    '--burstiness <b>',
    'serve: poisson: Gamma shape of the gaps between arrivals (1: Poisson; below 1 burstier, above 1 smoother)',
    parse.positive,
  )
  .option('--prompt-tokens <lo-hi>', 'serve: poisson: prompt lengths, uniform over LO-HI (default 16-128)', parse.range)
  .option('--output-tokens <lo-hi>', 'serve: poisson: output lengths, uniform over LO-HI (default 16-64; 8-32 with --quick)', parse.range)
  .option('--workload-seed <n>', "serve: poisson: the generator's seed (default 1)", parse.int(0))
  .option('--replays <n>', 'serve: replays of the trace per policy, each row the median one (default 3, 1 with --quick)', parse.int(1))
  .option(
    '--max-seqs <n>',
    'serve: sequences running at once (decode steps past 16 rows go through the GEMM, whose SwiftShader tile is 32 rows)',
    parse.int(1),
    DEFAULT_MAX_SEQS,
  )
  .option('--budget <n>', 'serve: token rows per step (a prefill chunk shares a step with the decodes)', parse.int(1), DEFAULT_SERVE_BUDGET)
  .option(
    '--slo <spec>',
    `serve: goodput's SLO, ttft:MS,tpot:MS (absolute) and/or scale:X (within X times each request's own TTFT and TPOT on an idle engine; default scale:${DEFAULT_SLO.scale})`,
    parse.slo,
  )
  .option(
    '--kernel-size <n>',
    'kernels: K = N of the GEMV and GEMM shapes (default GEMV 4096, GEMM 2048; 1024 with --quick; a GPU with a large cache needs more)',
    parse.int(1),
  )
  .option(
    '--no-peers',
    'kernels: skip timing tfjs-backend-webgpu and onnxruntime-web on the same shapes (a minute or two on a 2-core software adapter)',
  )
  .option('--ladder <widths>', 'sweep: model widths D of the decode ladder (comma-separated; default 64..2048, about 0.4-360 MiB f32)')
  .option(
    '--tuning <json>',
    'override the adapter\'s kernel tuning (src/gpu/tuning.ts), e.g. \'{"gemv":{"splitInvocations":131072}}\'',
    parse.json,
  )
  .option('--out <dir>', 'where to write <suite>.json', 'bench/results')
  .option(
    '--runtime <runtime>',
    'where WebGPU runs: browser (headless Chromium) or node (Dawn, no browser)',
    parse.oneOf<RuntimeName>('browser', 'node'),
    'browser',
  )
  .option('--browser <path>', 'Chrome/Chromium to run (default: found automatically)')
  .option('--headed', 'show the browser window')
  .option('--verbose', "print the page's console")
  .parse();

interface Opts {
  suite: string;
  quick?: boolean;
  model: string;
  repeats?: number;
  policy: string;
  workload: string;
  rate?: number;
  requests?: number;
  burstiness?: number;
  promptTokens?: [number, number];
  outputTokens?: [number, number];
  workloadSeed?: number;
  replays?: number;
  maxSeqs: number;
  budget: number;
  slo?: Slo;
  out: string;
  tuning?: TuningOverrides;
  kernelSize?: number;
  peers: boolean;
  ladder?: string;
  runtime: RuntimeName;
  browser?: string;
  headed?: boolean;
  verbose?: boolean;
}

/** Set by Ctrl-C: the partial report being written. */
let cancelling: Promise<void> | undefined;

/**
 * The kernels and tune suites' shapes: the GEMV at 64 MiB of f32 weights (4096^2), past
 * any CPU cache, the size issue 3 judges decode by, at B = 1, 4, 8; the GEMM at the
 * 512 x 2048 x 2048 prefill shape it names. --kernel-size sets K = N of both.
 */
function kernelShapes(o: Opts): { gemv: [number, number]; gemm: [number, number, number]; batches: number[] } {
  const gemvSize = o.kernelSize ?? (o.quick ? 1024 : 4096);
  const gemmSize = o.kernelSize ?? (o.quick ? 1024 : 2048);
  return { gemv: [gemvSize, gemvSize], gemm: [o.quick ? 128 : 512, gemmSize, gemmSize], batches: [1, 4, 8] };
}

async function main(o: Opts): Promise<void> {
  // The browser runtime finds Chromium, or installs Debian's (root + apt), or says how.
  if (o.runtime === 'browser' && !o.browser) ensureChromium({ quiet: true });
  const suites = o.suite.split(',').map((s) => s.trim());
  const unknown = suites.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length) program.error(`unknown suite '${unknown.join(', ')}'; known: ${SUITES.join(', ')}`);
  if (!PRESETS[o.model]) program.error(`unknown model '${o.model}'; known: ${Object.keys(PRESETS).join(', ')}`);
  const policies = o.policy.split(',').map((p) => p.trim());
  policies.forEach((p) => makePolicy(p)); // refuse unknown names before starting a browser
  const workload: WorkloadOptions = {
    workload: o.workload,
    rate: o.rate,
    requests: o.requests,
    burstiness: o.burstiness,
    promptTokens: o.promptTokens,
    outputTokens: o.outputTokens,
    seed: o.workloadSeed,
    quick: o.quick,
  };
  const trace = suites.includes('serve') ? loadWorkload(workload) : [];
  const repeats = o.repeats ?? (o.quick ? 3 : 5);
  const outDir = resolve(o.out);
  mkdirSync(outDir, { recursive: true });
  const spinner = ora({ text: o.runtime === 'node' ? 'starting Dawn' : 'starting headless Chromium', stream: process.stderr }).start();
  try {
    let driver: string | undefined;
    await withRuntime(
      {
        runtime: o.runtime,
        browser: o.browser,
        headed: o.headed,
        verbose: o.verbose,
        onProgress: (m) => (spinner.text = m),
        onDriver: (d) => (driver = d),
      },
      async (runner) => {
        if (o.tuning) unwrap(await runner.call('retune', o.tuning));
        const adapter = unwrap(await runner.call('adapter'));
        spinner.info(describeRun(adapter, o.runtime, driver)).start();
        const meta = {
          runtime: o.runtime,
          driver,
          adapter,
          timer: adapter.features.includes('timestamp-query') ? 'timestamp-query' : 'wall-clock',
          repeats,
          quick: Boolean(o.quick),
          date: new Date().toISOString(),
        };
        const results: BenchResults & { cancelled?: boolean } = {};
        // Ctrl-C half way: keep what finished, marked as partial, in the report too.
        process.once('SIGINT', () => {
          results.cancelled = true;
          spinner.fail('cancelled: writing the partial results');
          writeFileSync(
            join(outDir, 'cancelled.json'),
            JSON.stringify({ cancelled: true, finished: Object.keys(results).filter((k) => k !== 'cancelled') }),
          );
          cancelling = writeReport(outDir, results).then(() => process.exit(130));
        });
        // The kernels and the sweep are judged against ceilings measured in the same run.
        let ceilings: Ceilings | undefined;
        const needCeilings = async () => {
          if (!ceilings) {
            spinner.start('ceilings: starting');
            ceilings = unwrap(
              await runner.call('ceilings', {
                sizesMiB: o.quick ? [1, 4, 16, 64] : [1, 4, 16, 64, 256],
                repeats,
                fmaTrips: o.quick ? 256 : 1024,
              }),
            );
            spinner.succeed('ceilings: what this adapter can do at best');
            console.log(ceilingsTable(ceilings));
            results.ceilings = { suite: 'ceilings', ...meta, ...ceilings };
            writeFileSync(join(outDir, 'ceilings.json'), JSON.stringify(results.ceilings, null, 2));
            console.log(`wrote ${join(outDir, 'ceilings.json')}`);
          }
          return ceilings;
        };
        for (const suite of suites as Suite[]) {
          if (suite === 'ceilings') {
            await needCeilings();
            continue;
          }
          spinner.start(`${suite}: starting`);
          let result: object;
          if (suite === 'sweep') {
            const c = await needCeilings();
            spinner.start('sweep: starting');
            const out = unwrap(
              await runner.call('sweepBench', {
                widths: o.ladder ? o.ladder.split(',').map(Number) : o.quick ? LADDER_WIDTHS_QUICK : LADDER_WIDTHS,
                dtypes: ['f32', 'f16'],
                decodeSteps: o.quick ? 4 : 8,
                prefillModel: o.model,
                promptLengths: o.quick ? [1, 16, 128] : [1, 8, 32, 128, 512],
                ceilings: c,
              }),
            );
            spinner.succeed('sweep: decode over model sizes (batch 1), prefill over prompt lengths');
            console.log(sweepTables(out));
            result = sweepFile(out, c);
          } else if (suite === 'decode') {
            const rows = unwrap(
              await runner.call('decodeBench', {
                model: o.model,
                dtypes: ['f32', 'f16'],
                promptTokens: o.quick ? 32 : 128,
                decodeTokens: o.quick ? 16 : 32,
                repeats,
              }),
            );
            spinner.succeed(`decode: ${o.model}, greedy, one sequence`);
            console.log(decodeTable(rows));
            result = { rows };
          } else if (suite === 'kernels') {
            const { gemv, gemm, batches } = kernelShapes(o);
            const shapes: [number, number, number][] = batches.map((b) => [b, ...gemv]);
            const c = await needCeilings();
            spinner.start('kernels: starting');
            const { rows, skipped, peers, peerErrors } = unwrap(
              await runner.call('kernelBench', { gemv: shapes, gemm: [gemm], dtypes: ['f32', 'f16'], repeats, peers: o.peers }),
            );
            spinner.succeed('kernels: GEMV (decode) and GEMM (prefill) alone');
            const judged = judgedKernelRows(rows, c);
            console.log(kernelTable(judged));
            if (skipped.length) console.log(`skipped: ${skipped.join('; ')}`);
            if (peers.length)
              console.log(
                `the same f32 shapes through other engines on this adapter and device, timed on the same clock:\n${peerTable(peers)}`,
              );
            for (const e of peerErrors) console.log(`peer not measured: ${e}`);
            result = { ceilings: c, skipped, rows: judged, peers, peerErrors };
          } else if (suite === 'tune') {
            // The kernels suite's shapes, so a tuning found here is judged there the same way.
            const out = unwrap(await runner.call('tuneBench', { ...kernelShapes(o), dtype: 'f32', repeats }));
            spinner.succeed('tune: tile shapes around the current tuning, each timed beside it');
            console.log(tuneTable(out.rows));
            if (out.skipped.length) console.log(`skipped: ${out.skipped.join('; ')}`);
            console.log(
              Object.keys(out.best).length
                ? `faster here than the current tuning: --tuning '${JSON.stringify(out.best)}'`
                : 'no candidate beat the current tuning',
            );
            result = out;
          } else {
            const saturate = saturates(workload) ? SATURATE : undefined;
            const out = unwrap(
              await runner.call('serveBench', {
                model: o.model,
                policies,
                trace,
                maxSeqs: o.maxSeqs,
                tokenBudget: o.budget,
                calibrationRepeats: o.quick ? 3 : undefined,
                replays: o.replays ?? (o.quick ? 1 : 3),
                saturate,
                slo: o.slo,
              }),
            );
            const arrivals = { ...out.arrivals, rate: out.arrivals.rate ?? o.rate };
            spinner.succeed(
              `serve: ${trace.length} requests (${describeArrivals(o.workload, arrivals)}) on ${o.model}, max ${o.maxSeqs} sequences, ${o.budget} rows per step`,
            );
            const drawn = describeGenerator(workload);
            if (drawn) console.log(drawn);
            console.log(serveTable(out.rows));
            const speedups = describeSpeedups(out.rows);
            if (speedups) console.log(speedups);
            console.log(describeSlowdowns(out.slo, out.idle));
            const generator = generatorOf(workload);
            result = {
              workload: o.workload,
              ...(generator ? { generator } : {}),
              arrivals,
              maxSeqs: o.maxSeqs,
              tokenBudget: o.budget,
              slo: out.slo,
              idle: out.idle,
              calibration: out.calibration,
              rows: out.rows,
              events: out.trace,
              steps: out.steps,
            };
          }
          const file = join(outDir, `${suite}.json`);
          const full = { suite, ...meta, ...result };
          results[suite] = full;
          writeFileSync(file, JSON.stringify(full, null, 2));
          console.log(`wrote ${file}`);
        }
        const files = await writeReport(outDir, results);
        console.log(`wrote ${files.report} (open it in a browser)\nwrote ${files.trace} (open it in Perfetto or chrome://tracing)`);
      },
    );
  } catch (e) {
    if (cancelling) await cancelling; // Ctrl-C also closed the browser: finish the partial report, exit 130
    spinner.fail('benchmark failed');
    throw e;
  }
}

main(program.opts<Opts>()).catch(reportError);
