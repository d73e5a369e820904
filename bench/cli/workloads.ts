import { readFileSync } from 'node:fs';
import { parseTrace, poissonWorkload, seedWorkload, WorkloadError, type TraceEntry } from '../../src/index.js';

export interface WorkloadOptions {
  workload: string; // seed | poisson | FILE.json
  rate?: number;
  requests?: number;
  burstiness?: number;
  seed?: number;
  quick?: boolean;
}

/** The trace a serving run replays: the seed's example, seeded Poisson arrivals, or a JSON file. */
export function loadWorkload(o: WorkloadOptions): TraceEntry[] {
  if (o.workload === 'seed') return seedWorkload();
  if (o.workload === 'poisson')
    return poissonWorkload({
      requests: o.requests ?? (o.quick ? 12 : 32),
      rate: o.rate ?? 8,
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
