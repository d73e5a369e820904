// What a benchmark suite is: one value the CLI (`npm run bench`), the bench page and the
// report all read. A suite declares its options once (flag, help, parser, and the value at
// each run level), turns them into a request (host side: the CLI or the page), measures
// (runtime side: the browser page or Node, on the GPU), shapes what its result file holds,
// and says how to print and draw it. bench/suites/registry.ts lists them.
import type { ChartConfiguration } from 'chart.js';
import {
  type AdapterReport,
  EngineError,
  type GpuContext,
  type KernelSet,
  type ModelWeights,
  preset,
  syntheticWeights,
  type TraceEntry,
  type WeightDtype,
} from '../../src/index.js';
import type { WorkloadOptions } from './workloads.js';

/** How much a run measures: `quick` (a smoke run), `default` (a newcomer's first run), `full` (every size and repeat). */
export type Level = 'quick' | 'default' | 'full';
export const LEVELS: readonly Level[] = ['quick', 'default', 'full'];

/** One option of a suite. Options shared by several suites are one object (bench/suites/options.ts). */
export interface OptionDef<T> {
  /** The command-line flag (commander syntax: '--kernel-size <n>', '--no-peers'); none: the level decides. */
  flags?: string;
  /** What it sets, for --help (the values per level are added there). */
  help: string;
  /** Parses the flag's text; a bad value throws InvalidArgumentError (bench/suites/options.ts). */
  parse?: (raw: string) => T;
  /** The value when not given. */
  value: T;
  /** Other values at other levels. */
  byLevel?: Partial<Record<Level, T>>;
}

export type OptionDefs<O> = { [K in keyof O]-?: OptionDef<O[K]> };

/** The option values a set of option definitions gives. */
export type OptionValues<D> = { [K in keyof D]: D[K] extends OptionDef<infer T> ? T : never };

/** The option's value at this level when the user gave none. */
export function levelValue<T>(def: OptionDef<T>, level: Level): T {
  return def.byLevel?.[level] ?? def.value;
}

/** Where a suite measures: the device and the kernels chosen for it (with any --kernels overrides). */
export interface SuiteEnv {
  ctx: GpuContext;
  kernels: KernelSet;
  /** Loads a model the runner serves (`--model PATH`: its URL stands for it); presets need none. */
  served?: (url: string) => Promise<ModelWeights>;
}

/** Whether a suite's model option names a served real model (a URL) rather than a preset. */
export const isServedModel = (model: string) => model.startsWith('/');

/** A suite's model: a preset's synthetic weights in `dtype`, or the served real model (in its own dtype). */
export function modelWeights(env: SuiteEnv, model: string, dtype: WeightDtype, seed: number): Promise<ModelWeights> {
  if (!isServedModel(model)) return Promise.resolve(syntheticWeights(preset(model), dtype, seed));
  if (!env.served) throw new EngineError('BAD_MODEL_FILES', `no model is served at ${model} on this runtime`);
  return env.served(model);
}

export type Progress = (message: string) => void;

/** The adapter a run measured, as its files record it: the report plus the kernel set used. */
export type RunAdapter = AdapterReport & { kernels: KernelSet };

/** What every result file carries beside its suite's own fields. */
export interface RunMeta {
  runtime: 'browser' | 'node';
  /** The Vulkan driver the Node runtime found (absent in the browser). */
  driver?: string;
  adapter: RunAdapter;
  timer: 'timestamp-query' | 'wall-clock';
  level: Level;
  date: string;
}

/** A table as data: the CLI prints it with cli-table3, the page and report.html as HTML. */
export interface Table {
  head: string[];
  rows: (string | number)[][];
  /** Lines printed under it. */
  notes?: string[];
}

/** One section of report.html: a heading, what to read in it, its charts and tables. */
export interface ReportSection {
  title: string;
  explain: string;
  charts: { id: string; config: ChartConfiguration }[];
  tables: Table[];
}

/** What the host gives a suite when it builds its request and its result. */
export interface HostContext {
  level: Level;
  /** The options the user set (the rest are the level's values). */
  given: Partial<Record<string, unknown>>;
  /** The results of the suites that ran before it in this run (kernels and sweep read the ceilings). */
  results: Partial<Record<string, unknown>>;
  /** A serving workload: the seed's, a generated one, or (the CLI only) a trace file. */
  loadWorkload(o: WorkloadOptions): TraceEntry[];
}

export interface Suite<Name extends string = string, O = object, Req = unknown, Out = unknown, Res extends object = object> {
  name: Name;
  /** One line: what it measures (the README's table, --help, the page's list). */
  summary: string;
  /** Runs in `npm run bench` without --suite (tune is asked for by name). */
  inDefaultRun: boolean;
  /** Suites whose results this one needs from the same run. */
  needs?: readonly string[];
  options: OptionDefs<O>;
  /** Host side: the request the runtime measures. */
  request: (o: O, host: HostContext) => Req;
  /** Runtime side, on the GPU. */
  run: (env: SuiteEnv, req: Req, progress: Progress) => Promise<Out>;
  /** Host side: what its result file holds. */
  result: (out: Out, o: O, host: HostContext) => Res;
  /** One line for the progress display when it finishes. */
  done: (r: Res) => string;
  /** Its tables, printed by the CLI. */
  tables: (r: Res) => Table[];
  /** Its sections of report.html and the page (none: its tables under its summary). */
  report?: (r: Res & RunMeta) => ReportSection[];
}

/** Keeps a suite's types while checking it against Suite. */
export function defineSuite<Name extends string, O, Req, Out, Res extends object>(
  s: Suite<Name, O, Req, Out, Res>,
): Suite<Name, O, Req, Out, Res> {
  return s;
}

/** The options a suite gets at this level, with what the user gave in place. */
export function resolveOptions<O>(defs: OptionDefs<O>, level: Level, given: Partial<Record<string, unknown>>): O {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries<OptionDef<unknown>>(defs as Record<string, OptionDef<unknown>>))
    out[key] = given[key] ?? levelValue(def, level);
  return out as O;
}
