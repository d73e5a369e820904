import { describe, expect, it } from 'vitest';
import { WorkloadError } from '../../src/index.js';
import { serveSuite } from '../../bench/suites/serve.js';
import { LEVELS, resolveOptions, type HostContext, type Level } from '../../bench/suites/suite.js';
import { loadWorkload } from '../../bench/suites/workloads.js';

/** The serve suite's request as the CLI and the page build it: options at the level, with what was given. */
function serveRequest(level: Level, given: Record<string, unknown>) {
  const host: HostContext = { level, given, results: {}, loadWorkload: (w) => loadWorkload(w) };
  return serveSuite.request(resolveOptions(serveSuite.options, level, given), host);
}

describe("the serve suite's workload", () => {
  it("draws a generated workload from the level's values", () => {
    expect(serveRequest('quick', {}).trace).toHaveLength(12);
    expect(serveRequest('default', {}).trace).toHaveLength(24);
    expect(serveRequest('full', { requests: 5 }).trace).toHaveLength(5);
  });

  it("replays the seed's requests at every level: the generator's level values are not flags the user gave", () => {
    for (const level of LEVELS) expect(serveRequest(level, { workload: 'seed' }).trace).toHaveLength(4);
  });

  it('refuses generator flags the user gave for another workload, naming them', () => {
    expect(() => serveRequest('default', { workload: 'seed', burstiness: 2, workloadSeed: 3 })).toThrow(WorkloadError);
    expect(() => serveRequest('default', { workload: 'seed', burstiness: 2, workloadSeed: 3 })).toThrow(
      /--burstiness, --workload-seed shape a generated workload \(--workload poisson\), not 'seed'/,
    );
  });
});
