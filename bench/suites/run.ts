// Runs suites in order, host side: the CLI with its runtime (headless Chromium or Node) and
// the bench page in itself share this, so both take the same options at the same level.
import type { TraceEntry } from '../../src/index.js';
import { suiteNamed, type BenchResults, type SuiteName } from './registry.js';
import { resolveOptions, type HostContext, type Level, type RunMeta, type Suite } from './suite.js';
import type { WorkloadOptions } from './workloads.js';

export interface RunHost {
  level: Level;
  /** Options the user set, by name; the rest come from each suite's values at the level. */
  given: Partial<Record<string, unknown>>;
  meta: RunMeta;
  loadWorkload(o: WorkloadOptions): TraceEntry[];
  /** Measures one suite's request on the GPU and returns what its run() returned. */
  measure(name: SuiteName, request: unknown): Promise<unknown>;
  onStart?(name: SuiteName): void;
  /** Each suite's result file as it finishes, with the suite (for its tables and done line). */
  onDone?(name: SuiteName, file: object, suite: Suite<string, unknown, unknown, unknown, object>): void;
}

/**
 * Runs the named suites in turn into `results` (which keeps what finished if one fails or
 * the run is cancelled), each after the suites it needs (the ceilings, for kernels and
 * sweep), unless they already ran.
 */
export async function runSuites(names: readonly SuiteName[], host: RunHost, results: BenchResults = {}): Promise<BenchResults> {
  const stored = results as Record<string, unknown>;
  const context: HostContext = { level: host.level, given: host.given, results: stored, loadWorkload: (o) => host.loadWorkload(o) };
  const runOne = async (name: SuiteName): Promise<void> => {
    const suite = suiteNamed(name) as unknown as Suite<string, unknown, unknown, unknown, object>;
    for (const need of suite.needs ?? []) if (!stored[need]) await runOne(need as SuiteName);
    host.onStart?.(name);
    const options = resolveOptions(suite.options, host.level, host.given);
    const out = await host.measure(name, suite.request(options, context));
    // The options it ran with go in too, so a file says how its figures were measured.
    const file = { suite: name, ...host.meta, options, ...suite.result(out, options, context) };
    stored[name] = file;
    host.onDone?.(name, file, suite);
  };
  for (const name of names) if (!stored[name]) await runOne(name);
  return results;
}
