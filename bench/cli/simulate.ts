// npm run simulate -- --workload seed --prefill-rate 20000 --decode-rate 50 [--policy serial,static,continuous]
//   [--calibrated FILE] [--max-seqs N] [--budget N] [--slo SPEC]
// The scheduler's policies on a modelled clock: no GPU, no browser.
import { readFileSync } from 'node:fs';
import {
  encode,
  KV_BLOCK_SIZE,
  makePolicy,
  rateModel,
  saturatingArrivals,
  simulate,
  summarize,
  toRequests,
  WorkloadError,
  type Slo,
  type StepTimeModel,
} from '../../src/index.js';
import { modelledIdle } from '../../src/sched/simulate.js';
import { calibratedModel, type StepCalibration } from '../../src/serve/calibrate.js';
import { SATURATE } from '../suites/serve-bench.js';
import { WORKLOAD_OPTIONS } from '../suites/serve.js';
import { resolveOptions, type OptionDef } from '../suites/suite.js';
import { describeGenerator, generatorOf, loadWorkload, saturates, workloadOptions } from '../suites/workloads.js';
import { parse } from './common.js';
import { command, isMain, line, processIo, runCommand, type CommandIo } from './io.js';
import { renderTable } from './tables.js';

interface Opts {
  workload: string;
  policy?: string[];
  prefillRate: number;
  decodeRate: number;
  calibrated?: string;
  maxSeqs?: number;
  budget?: number;
  rate?: number;
  requests?: number;
  burstiness?: number;
  promptTokens?: [number, number];
  outputTokens?: [number, number];
  workloadSeed?: number;
  slo?: Slo;
  json?: boolean;
}

/** The step-time model, and the run shape a calibration file was measured with. */
function stepModel(o: Opts): { model: StepTimeModel; label: string; maxSeqs?: number; tokenBudget?: number } {
  if (!o.calibrated)
    return { model: rateModel(o.prefillRate, o.decodeRate), label: `prefill ${o.prefillRate} tokens/s, decode ${o.decodeRate} steps/s` };
  let file: { calibration?: StepCalibration; maxSeqs?: number; tokenBudget?: number };
  try {
    file = JSON.parse(readFileSync(o.calibrated, 'utf8')) as typeof file;
  } catch (e) {
    throw new WorkloadError(`cannot read a calibration from ${o.calibrated}: ${(e as Error).message}`);
  }
  const cal = file?.calibration;
  if (!cal?.decodeMs?.length)
    throw new WorkloadError(`${o.calibrated} holds no step calibration (write one with npm run bench -- --suite serve)`);
  return {
    model: calibratedModel(cal),
    label: `calibrated on a GPU (${o.calibrated})`,
    maxSeqs: file.maxSeqs,
    tokenBudget: file.tokenBudget,
  };
}

/** The generator's flags, whose values simulate takes at the default level when not given. */
const GENERATOR_OPTIONS = {
  requests: WORKLOAD_OPTIONS.requests,
  burstiness: WORKLOAD_OPTIONS.burstiness,
  promptTokens: WORKLOAD_OPTIONS.promptTokens,
  outputTokens: WORKLOAD_OPTIONS.outputTokens,
  workloadSeed: WORKLOAD_OPTIONS.workloadSeed,
};

function main(o: Opts, io: CommandIo): void {
  const out = (text: string) => line(io.stdout, text);
  // Unset generator flags take the serve suite's default-level values (its --requests and the rest).
  const given = o as unknown as Partial<Record<string, unknown>>;
  const w = workloadOptions({ workload: o.workload, rate: o.rate, ...resolveOptions(GENERATOR_OPTIONS, 'default', given) }, given);
  let requests = toRequests(
    loadWorkload(w, (path) => readFileSync(path, 'utf8')),
    encode,
  );
  const contextLength = Math.max(...requests.map((r) => r.prompt.length + r.maxTokens));
  const { model, label, ...measured } = stepModel(o);
  // A calibrated run is replayed with the shape it was measured with unless told otherwise.
  const maxSeqs = o.maxSeqs ?? measured.maxSeqs ?? 4;
  const budget = o.budget ?? measured.tokenBudget ?? 8192;
  const blocks = maxSeqs * Math.ceil(contextLength / KV_BLOCK_SIZE);
  const opts = { maxSeqs, tokenBudget: budget, kvBlocks: blocks, blockSize: KV_BLOCK_SIZE, contextLength };
  let rate = o.rate;
  if (saturates(w)) ({ requests, rate } = saturatingArrivals(requests, opts, model, SATURATE.loadFactor));
  // Slowdown's baseline: each request alone on the same modelled engine.
  const idle = modelledIdle(requests, opts, model);
  const slo = o.slo ?? WORKLOAD_OPTIONS.slo.value;
  const rows = (o.policy ?? WORKLOAD_OPTIONS.policy.value).map((name) => {
    const run = simulate(requests, makePolicy(name), opts, model);
    return { policy: name, steps: run.steps, ...summarize(run.records, slo, idle), records: run.records };
  });
  if (o.json) {
    const generator = generatorOf(w);
    out(
      JSON.stringify(
        { workload: o.workload, ...(generator ? { generator } : {}), ...(rate === undefined ? {} : { rate }), model: label, slo, rows },
        null,
        2,
      ),
    );
    return;
  }
  const at =
    rate === undefined ? '' : ` at ${rate.toFixed(1)}/s${saturates(w) ? ` (${SATURATE.loadFactor}x continuous batching's capacity)` : ''}`;
  out(`${requests.length} requests (${o.workload}${at}); step times: ${label}; max ${maxSeqs} sequences, ${budget} rows per step`);
  const drawn = describeGenerator(w);
  if (drawn) out(drawn);
  const table = {
    head: [
      'policy',
      'makespan s',
      'output tok/s',
      'TTFT p50 s',
      'TTFT p99 s',
      'TPOT p50 ms',
      'E2E p50 s',
      'E2E p99 s',
      'slowdown p50/p99',
      'goodput req/s',
      'steps',
    ],
    rows: rows.map((r) => [
      r.policy,
      r.makespanS.toFixed(3),
      r.outputTokensPerSec.toFixed(1),
      (r.ttftP50Ms / 1000).toFixed(3),
      (r.ttftP99Ms / 1000).toFixed(3),
      r.tpotP50Ms.toFixed(1),
      (r.e2eP50Ms / 1000).toFixed(3),
      (r.e2eP99Ms / 1000).toFixed(3),
      `${r.slowdownP50.toFixed(2)} / ${r.slowdownP99.toFixed(2)}`,
      r.goodputRps.toFixed(3),
      r.steps,
    ]),
  };
  out(renderTable(table));
  out(
    `goodput: requests/s meeting the SLO ${JSON.stringify(slo)} (scale: TTFT and TPOT within ` +
      `that many times the request's own alone on this modelled engine); slowdown: E2E over its ` +
      `E2E alone`,
  );
  for (const r of rows) out(`${r.policy} makespan ${r.makespanS.toFixed(3)} s`);
}

/** A shared option as this command's flag: no default here, so loadWorkload sees only what was given. */
const flag = <T>(def: OptionDef<T>) => [def.flags!, def.help, def.parse as (v: string) => T] as const;

export async function simulateCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  return runCommand(io, () => {
    const program = command('simulate', io)
      .description('Run the scheduling policies on a modelled clock (the simulator twin).')
      .option('--workload <w>', 'seed, poisson, or a JSON trace file', 'seed')
      .option(...flag(WORKLOAD_OPTIONS.policy))
      .option('--prefill-rate <tokens/s>', 'prompt tokens per second', parse.int(1), 20000)
      .option('--decode-rate <steps/s>', 'decode steps per second (each samples one token per running sequence)', parse.int(1), 50)
      .option('--calibrated <file>', 'step times measured on a GPU: a serve.json written by npm run bench -- --suite serve')
      .option('--max-seqs <n>', "sequences running at once (default: the calibrated run's, else 4)", parse.int(1))
      .option('--budget <n>', "token rows per step (default: the calibrated run's, else 8192)", parse.int(1))
      .option(...flag(WORKLOAD_OPTIONS.rate))
      .option(...flag(WORKLOAD_OPTIONS.requests))
      .option(...flag(WORKLOAD_OPTIONS.burstiness))
      .option(...flag(WORKLOAD_OPTIONS.promptTokens))
      .option(...flag(WORKLOAD_OPTIONS.outputTokens))
      .option(...flag(WORKLOAD_OPTIONS.workloadSeed))
      .option(...flag(WORKLOAD_OPTIONS.slo))
      .option('--json', 'print JSON');
    program.parse(argv, { from: 'user' });
    main(program.opts<Opts>(), io);
    return Promise.resolve();
  });
}

if (isMain(import.meta.url)) process.exitCode = await simulateCommand(process.argv.slice(2));
