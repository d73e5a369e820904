// npm run bench -- [--suite NAMES] [--quick | --full] [suite options] [--out DIR] [--runtime browser|node]
// The main job: runs the benchmark suites (bench/suites/registry.ts) headless on the built-in
// default model, prints a table per suite and writes DIR/<suite>.json, report.html and
// trace.json. `--help` lists every option, generated from the suites' own definitions.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Option } from 'commander';
import ora from 'ora';
import { type KernelOverrides, saveCheckpoint } from '../../src/index.js';
import { loadModelPath } from '../../src/load/node-files.js';
import { ensureChromium } from '../../scripts/chromium.mjs';
import { parse } from '../suites/options.js';
import { DEFAULT_SUITES, SUITE_NAMES, SUITES, type BenchResults, type SuiteName } from '../suites/registry.js';
import { runSuites } from '../suites/run.js';
import { serveSuite } from '../suites/serve.js';
import { LEVELS, levelValue, resolveOptions, type Level, type OptionDef, type RunMeta } from '../suites/suite.js';
import { loadWorkload } from '../suites/workloads.js';
import { isModelPath, unwrap } from './common.js';
import { command, isMain, line, processIo, runCommand, sharing, type CommandIo } from './io.js';
import { writeReport } from './report.js';
import { withRuntime, type RuntimeName } from './runtime.js';
import { describeRun, renderTable } from './tables.js';

/** Each suite option that has a flag, once: options shared by suites are one object (bench/suites/options.ts). */
export function suiteFlags(): Map<string, OptionDef<unknown>> {
  const flags = new Map<string, OptionDef<unknown>>();
  for (const s of SUITES)
    for (const [key, def] of Object.entries(s.options) as [string, OptionDef<unknown>][]) {
      if (!def.flags) continue;
      const seen = flags.get(key);
      if (seen && seen !== def) throw new Error(`suite option '${key}' is defined twice: share one OptionDef (bench/suites/options.ts)`);
      flags.set(key, def);
    }
  return flags;
}

/** Wall-clock time since `start` (performance.now()), as the run's log shows it. */
const seconds = (start: number): string => `${((performance.now() - start) / 1000).toFixed(1)} s`;

const show = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : JSON.stringify(v));

/** The help of a suite option, with its value at each level. */
export function optionHelp(def: OptionDef<unknown>): string {
  const values = LEVELS.map((l) => [l, levelValue(def, l)] as const).filter(([, v]) => v !== undefined);
  const same = values.every(([, v]) => show(v) === show(values[0]![1]));
  const levels = same
    ? values.length
      ? `default ${show(values[0]![1])}`
      : ''
    : values.map(([l, v]) => `${l === 'default' ? 'default' : `--${l}`} ${show(v)}`).join(', ');
  const users = SUITES.filter((s) => Object.values(s.options).includes(def)).map((s) => s.name);
  return `${users.join(', ')}: ${def.help}${levels ? ` (${levels})` : ''}`;
}

export async function benchCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  return runCommand(io, async () => {
    const program = command('bench', io)
      .description('Run the benchmark suites on this GPU (headless Chromium by default) and write their results and report.')
      .option('--suite <names>', `comma-separated suites: ${SUITE_NAMES.join(', ')} (default: ${DEFAULT_SUITES.join(', ')})`, parse.list)
      .addOption(new Option('--quick', 'a smoke run: the smallest shapes and fewest repeats (a couple of minutes here)').conflicts('full'))
      .option(
        '--full',
        'every ladder size, the larger kernel shapes, more repeats, requests and replays (about 11 minutes on a 2-core software adapter)',
      )
      .option(
        '--kernels <json>',
        'override the kernel set chosen for this adapter (src/kernels/kernel-set.ts), e.g. \'{"gemv":{"splitInvocations":131072}}\'',
        parse.json,
      )
      .option('--out <dir>', 'where to write <suite>.json, report.html and trace.json', 'bench/results')
      .option(
        '--runtime <runtime>',
        'where WebGPU runs: browser (headless Chromium) or node (Dawn, no browser)',
        parse.oneOf<RuntimeName>('browser', 'node'),
        'browser',
      )
      .option('--browser <path>', 'Chrome/Chromium to run (default: found automatically)')
      .option('--headed', 'show the browser window')
      .option('--verbose', "print the page's console");
    for (const def of suiteFlags().values()) program.option(def.flags!, optionHelp(def), def.parse as (v: string) => unknown);
    program.addHelpText(
      'after',
      `\nSuites:\n${SUITES.map((s) => `  ${s.name.padEnd(9)} ${s.summary}${s.inDefaultRun ? '' : ' (only when named)'}`).join('\n')}`,
    );
    program.parse(argv, { from: 'user' });
    const o = program.opts<{
      suite?: string[];
      quick?: boolean;
      full?: boolean;
      kernels?: KernelOverrides;
      out: string;
      runtime: RuntimeName;
      browser?: string;
      headed?: boolean;
      verbose?: boolean;
    }>();
    const names = (o.suite ?? DEFAULT_SUITES) as SuiteName[];
    const unknown = names.filter((n) => !SUITE_NAMES.includes(n));
    if (unknown.length) program.error(`unknown suite '${unknown.join(', ')}'; known: ${SUITE_NAMES.join(', ')}`);
    const level: Level = o.quick ? 'quick' : o.full ? 'full' : 'default';
    const given = program.opts<Record<string, unknown>>();
    // A real model (--model PATH) is read here, in Node, and served to the runtime as one
    // checkpoint; the suites see its URL in place of a preset's name.
    const files: Record<string, Uint8Array> = {};
    if (typeof given.model === 'string' && isModelPath(given.model)) {
      const real = await loadModelPath(given.model);
      const url = `/model/${basename(given.model)}`;
      files[url] = saveCheckpoint(real.weights);
      given.model = url;
    }
    // A trace file or a bad workload flag is refused before any browser starts.
    const readText = (path: string) => readFileSync(path, 'utf8');
    if (names.includes('serve'))
      serveSuite.request(resolveOptions(serveSuite.options, level, given), {
        level,
        given,
        results: {},
        loadWorkload: (w) => loadWorkload(w, readText),
      });
    // The browser runtime finds Chromium, or installs Debian's (root + apt), or says how.
    if (o.runtime === 'browser' && !o.browser && !io.browser) ensureChromium({ quiet: true });
    const outDir = resolve(o.out);
    mkdirSync(outDir, { recursive: true });
    const spinner = ora({ text: o.runtime === 'node' ? 'starting Dawn' : 'starting headless Chromium', stream: io.stderr }).start();
    const results: BenchResults = {};
    const runStart = performance.now();
    let suiteStart = runStart;
    let driver: string | undefined;
    const onSigint = () => {
      results.cancelled = true;
      spinner.fail('cancelled: writing the partial results');
      const finished = Object.keys(results).filter((k) => k !== 'cancelled');
      writeFileSync(join(outDir, 'cancelled.json'), JSON.stringify({ cancelled: true, finished }));
      void writeReport(outDir, results).then(() => process.exit(130));
    };
    // Ctrl-C half way keeps what finished, marked as partial, in the report too.
    if (isMain(import.meta.url)) process.once('SIGINT', onSigint);
    try {
      await withRuntime(
        {
          runtime: o.runtime,
          browser: o.browser,
          headed: o.headed,
          verbose: o.verbose,
          files,
          ...sharing(io),
          onProgress: (m) => (spinner.text = m),
          onDriver: (d) => (driver = d),
        },
        async (runner) => {
          const adapter = unwrap(await runner.call('adapter', o.kernels));
          spinner.info(describeRun(adapter, o.runtime, driver)).start();
          const timer = adapter.features.includes('timestamp-query') ? 'timestamp-query' : 'wall-clock';
          const meta: RunMeta = {
            runtime: o.runtime,
            ...(driver ? { driver } : {}),
            adapter,
            timer,
            level,
            date: new Date().toISOString(),
          };
          await runSuites(
            names,
            {
              level,
              given,
              meta,
              loadWorkload: (w) => loadWorkload(w, readText),
              measure: async (name, request) => unwrap(await runner.call('runSuite', name, request, o.kernels)),
              onStart: (name) => {
                suiteStart = performance.now();
                spinner.start(`${name}: starting`);
              },
              onDone: (name, file, suite) => {
                spinner.succeed(`${suite.done(file)} (${seconds(suiteStart)})`);
                for (const t of suite.tables(file)) line(io.stdout, renderTable(t));
                const path = join(outDir, `${name}.json`);
                writeFileSync(path, JSON.stringify(file, null, 2));
                line(io.stdout, `wrote ${path}`);
              },
            },
            results,
          );
          const files = await writeReport(outDir, results);
          line(io.stdout, `${names.length === 1 ? 'suite' : 'suites'} done in ${seconds(runStart)}`);
          line(io.stdout, `wrote ${files.report} (open it in a browser)\nwrote ${files.trace} (open it in Perfetto or chrome://tracing)`);
        },
      );
    } catch (e) {
      spinner.fail('benchmark failed');
      throw e;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  });
}

if (isMain(import.meta.url)) process.exitCode = await benchCommand(process.argv.slice(2));
