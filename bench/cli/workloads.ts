import { readFileSync } from 'node:fs';
import { SATURATE } from '../suites/serve.js';
import { parseTrace, poissonWorkload, seedWorkload, WorkloadError, type TraceEntry } from '../../src/index.js';

export { SATURATE };

export interface WorkloadOptions {
  workload: string; // seed | poisson | FILE.json
  rate?: number;
  requests?: number;
  burstiness?: number;
  seed?: number;
  quick?: boolean;
}

/**
 * Whether a workload is to be compressed to a saturating rate: Poisson arrivals with no
 * rate given, which loadWorkload then draws at one request per second (atRate scales
 * them once the engine's capacity is known).
 */
export function saturates(o: WorkloadOptions): boolean {
  return o.workload === 'poisson' && o.rate === undefined;
}

/**
 * The trace a serving run replays: the seed's example, seeded Poisson arrivals, or a JSON
 * file. Poisson arrivals without a rate come at one request per second (saturates).
 */
export function loadWorkload(o: WorkloadOptions): TraceEntry[] {
  if (o.workload === 'seed') return seedWorkload();
  if (o.workload === 'poisson')
    return poissonWorkload({
      requests: o.requests ?? (o.quick ? 12 : 32),
      rate: o.rate ?? 1,
      burstiness: o.burstiness ?? 1,
      promptTokens: [16, 128],
      outputTokens: o.quick ? [8, 32] : [16, 64],
      seed: o.seed ?? 1,
    });
  let text: string;
  try {
    text = readFileSync(o.workload, 'utf8');
  } catch (e) {
    throw new WorkloadError(`cannot read '${o.workload}' (give seed, poisson or a JSON trace file): ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WorkloadError(`'${o.workload}' is not JSON: ${(e as Error).message}`);
  }
  return parseTrace(json);
}
