// Serving workloads: the seed's four requests, generated Poisson/Gamma arrivals, or a JSON
// trace file (read by the CLI, which passes readText; the page has no files).
import { parseTrace, poissonWorkload, seedWorkload, WorkloadError, type TraceEntry } from '../../src/index.js';

export interface WorkloadOptions {
  workload: string; // seed | poisson | FILE.json
  rate?: number;
  requests?: number;
  /** poisson: the Gamma shape of the gaps (1: Poisson; below 1 burstier, above smoother). */
  burstiness?: number;
  /** poisson: the generator's seed. */
  seed?: number;
  /** poisson: prompt and output lengths, uniform over [lo, hi]. */
  promptTokens?: [number, number];
  outputTokens?: [number, number];
}

/** The generated workload's lengths at each level: prompts 16-128 tokens, outputs 16-64 (8-32 with --quick). */
export const DEFAULT_LENGTHS = {
  promptTokens: [16, 128] as [number, number],
  outputTokens: [16, 64] as [number, number],
  quickOutputTokens: [8, 32] as [number, number],
};

/** What a generated (poisson) workload was drawn with, for the result files; undefined for seed and files. */
export function generatorOf(
  o: WorkloadOptions,
): { requests: number; burstiness: number; seed: number; promptTokens: [number, number]; outputTokens: [number, number] } | undefined {
  if (o.workload !== 'poisson') return undefined;
  const { requests, burstiness, seed, promptTokens, outputTokens } = o;
  if (requests === undefined || burstiness === undefined || seed === undefined || !promptTokens || !outputTokens)
    throw new Error('a generated workload is drawn from every generator option (workloadOptions fills them in)');
  return { requests, burstiness, seed, promptTokens, outputTokens };
}

/** The workload flags (the serve suite's and simulate's) with their values at the run's level. */
export interface WorkloadFlags {
  workload: string;
  rate?: number;
  requests: number;
  burstiness: number;
  promptTokens: [number, number];
  outputTokens: [number, number];
  workloadSeed: number;
}

/**
 * The workload options loadWorkload takes. A generated workload gets every generator value
 * at the level; any other workload only the generator flags the user gave (`given`, by
 * option name), which loadWorkload then refuses, never the level's values nobody asked for.
 */
export function workloadOptions(o: WorkloadFlags, given: Partial<Record<string, unknown>>): WorkloadOptions {
  const asked = <T>(name: keyof WorkloadFlags, v: T): T | undefined =>
    o.workload === 'poisson' || given[name] !== undefined ? v : undefined;
  return {
    workload: o.workload,
    rate: o.rate,
    requests: asked('requests', o.requests),
    burstiness: asked('burstiness', o.burstiness),
    promptTokens: asked('promptTokens', o.promptTokens),
    outputTokens: asked('outputTokens', o.outputTokens),
    seed: asked('workloadSeed', o.workloadSeed),
  };
}

/** The generator's options and the CLI flags that set them. */
const GENERATOR_FLAGS = [
  ['burstiness', '--burstiness'],
  ['seed', '--workload-seed'],
  ['promptTokens', '--prompt-tokens'],
  ['outputTokens', '--output-tokens'],
] as const;

const span = ([lo, hi]: [number, number]) => (lo === hi ? `${lo}` : `${lo}-${hi}`);

/** A generated workload's draw in a line ("generated: 32 requests, ..."), or undefined for seed and files. */
export function describeGenerator(o: WorkloadOptions): string | undefined {
  const g = generatorOf(o);
  if (!g) return undefined;
  const gaps =
    g.burstiness === 1
      ? 'exponential gaps (Poisson)'
      : `Gamma gaps of shape ${g.burstiness} (${g.burstiness < 1 ? 'burstier' : 'smoother'} than Poisson)`;
  return (
    `generated: ${g.requests} requests, ${gaps}, prompts ${span(g.promptTokens)} tokens and ` +
    `outputs ${span(g.outputTokens)}, uniform, seed ${g.seed}`
  );
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
export function loadWorkload(o: WorkloadOptions, readText?: (path: string) => string): TraceEntry[] {
  const generator = generatorOf(o);
  if (generator) return poissonWorkload({ ...generator, rate: o.rate ?? 1 });
  const flags = GENERATOR_FLAGS.filter(([k]) => o[k] !== undefined).map(([, flag]) => flag);
  if (flags.length)
    throw new WorkloadError(
      `${flags.join(', ')} ${flags.length > 1 ? 'shape' : 'shapes'} a generated workload (--workload poisson), not '${o.workload}'`,
    );
  if (o.workload === 'seed') return seedWorkload();
  if (!readText) throw new WorkloadError(`'${o.workload}': trace files are read by the command line; here give seed or poisson`);
  let text: string;
  try {
    text = readText(o.workload);
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
