// The benchmark suites, in the order a run takes them. Adding a suite is one file
// (bench/suites/<name>.ts, a defineSuite value) and one line here: the CLI's flags and
// --help, the page's list, the runner API, the result files and the report all follow.
import { ceilingsSuite } from './ceilings.js';
import { decodeSuite } from './decode.js';
import { kernelsSuite } from './kernels.js';
import { serveSuite } from './serve.js';
import type { OptionValues, RunMeta } from './suite.js';
import { sweepSuite } from './sweep.js';
import { tuneSuite } from './tune.js';

export const SUITES = [ceilingsSuite, kernelsSuite, sweepSuite, decodeSuite, serveSuite, tuneSuite] as const;

export type AnySuite = (typeof SUITES)[number];
export type SuiteName = AnySuite['name'];

/** What a suite's result file holds: its result, the run's meta, its name and the options it ran with. */
export type SuiteFile<S> = S extends { name: infer N extends string; options: infer O; result: (...a: never[]) => infer R }
  ? R & RunMeta & { suite: N; options: OptionValues<O> }
  : never;

/** The result files of one run, by suite (any may be missing); `cancelled` when the run was stopped half way. */
export type BenchResults = { [S in AnySuite as S['name']]?: SuiteFile<S> } & { cancelled?: boolean };

export const SUITE_NAMES = SUITES.map((s) => s.name);

/** What `npm run bench` runs with no --suite. */
export const DEFAULT_SUITES: SuiteName[] = SUITES.filter((s) => s.inDefaultRun).map((s) => s.name);

export function suiteNamed(name: string): AnySuite | undefined {
  return SUITES.find((s) => s.name === name);
}
