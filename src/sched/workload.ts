import { EngineError } from '../errors.js';
import { mulberry32 } from '../numeric/prng.js';
import type { RequestSpec } from './types.js';

/** A replayable trace entry: lengths, or a text prompt (byte tokens). */
export interface TraceEntry {
  arrivalS: number;
  promptTokens?: number;
  prompt?: string;
  outputTokens: number;
}

export class WorkloadError extends EngineError {
  constructor(detail: string) {
    super('BAD_WORKLOAD', `Workload rejected: ${detail}`);
  }
}

/** Checks a parsed JSON trace field by field. */
export function parseTrace(json: unknown): TraceEntry[] {
  if (!Array.isArray(json)) throw new WorkloadError('a trace is a JSON array of {arrivalS, promptTokens | prompt, outputTokens}');
  if (json.length === 0) throw new WorkloadError('the trace is empty');
  return json.map((e, i) => {
    const where = `entry ${i}`;
    if (typeof e !== 'object' || e === null) throw new WorkloadError(`${where} is not an object`);
    const { arrivalS, promptTokens, prompt, outputTokens } = e as Record<string, unknown>;
    if (typeof arrivalS !== 'number' || !Number.isFinite(arrivalS) || arrivalS < 0)
      throw new WorkloadError(`${where}: arrivalS must be a number >= 0, got ${JSON.stringify(arrivalS)}`);
    if (!Number.isInteger(outputTokens) || (outputTokens as number) < 1)
      throw new WorkloadError(`${where}: outputTokens must be a whole number >= 1, got ${JSON.stringify(outputTokens)}`);
    if (prompt !== undefined) {
      if (typeof prompt !== 'string' || prompt.length === 0) throw new WorkloadError(`${where}: prompt must be a non-empty string`);
      return { arrivalS, prompt, outputTokens: outputTokens as number };
    }
    if (!Number.isInteger(promptTokens) || (promptTokens as number) < 1)
      throw new WorkloadError(`${where}: promptTokens must be a whole number >= 1, got ${JSON.stringify(promptTokens)}`);
    return { arrivalS, promptTokens: promptTokens as number, outputTokens: outputTokens as number };
  });
}

/** The seed's example: four requests at once, prompts 500, 1000, 1000, 4000, outputs 100, 100, 300, 700. */
export function seedWorkload(): TraceEntry[] {
  return [
    { arrivalS: 0, promptTokens: 500, outputTokens: 100 },
    { arrivalS: 0, promptTokens: 1000, outputTokens: 100 },
    { arrivalS: 0, promptTokens: 1000, outputTokens: 300 },
    { arrivalS: 0, promptTokens: 4000, outputTokens: 700 },
  ];
}

function standardNormal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Gamma(shape, scale) by Marsaglia and Tsang (with the boost for shape < 1). */
export function gammaSample(shape: number, scale: number, rand: () => number): number {
  if (shape < 1) return gammaSample(shape + 1, scale, rand) * rand() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
  }
}

export interface PoissonOptions {
  requests: number;
  /** Requests per second; Infinity sends all at time 0. */
  rate: number;
  /** Gamma shape of the gaps: 1 is Poisson, below 1 burstier, above 1 smoother. */
  burstiness?: number;
  promptTokens: [number, number]; // uniform, inclusive
  outputTokens: [number, number];
  seed?: number;
}

/** Seeded arrivals with Gamma(burstiness, 1/(rate*burstiness)) gaps and uniform lengths. */
export function poissonWorkload(o: PoissonOptions): TraceEntry[] {
  if (!(o.rate > 0)) throw new WorkloadError(`rate must be > 0, got ${o.rate}`);
  const b = o.burstiness ?? 1;
  if (!(b > 0)) throw new WorkloadError(`burstiness must be > 0, got ${b}`);
  const rand = mulberry32(o.seed ?? 1);
  const uniform = ([lo, hi]: [number, number]) => lo + Math.floor(rand() * (hi - lo + 1));
  let t = 0;
  return Array.from({ length: o.requests }, () => {
    const e = { arrivalS: t, promptTokens: uniform(o.promptTokens), outputTokens: uniform(o.outputTokens) };
    if (Number.isFinite(o.rate)) t += gammaSample(b, 1 / (o.rate * b), rand);
    return e;
  });
}

/**
 * Arrivals drawn at one request per second, compressed to `rate` requests per second.
 * Gamma gaps scale with 1 / rate, so a poissonWorkload at rate 1 becomes, up to
 * rounding, the same seed's workload at `rate`, with the same lengths.
 */
export function atRate<T extends { arrivalS: number }>(unitRate: readonly T[], rate: number): T[] {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new WorkloadError(`rate must be a finite number > 0, got ${rate}`);
  return unitRate.map((e) => ({ ...e, arrivalS: e.arrivalS / rate }));
}

/**
 * Turns a trace into requests. Length-only prompts become deterministic byte
 * tokens (BOS, then printable bytes), so a replay feeds the same ids every time.
 * Requests ignore EOS: a trace says how many tokens each one produces.
 */
export function toRequests(trace: readonly TraceEntry[], encode: (text: string) => number[]): RequestSpec[] {
  return trace.map((e, i) => {
    let prompt: number[];
    if (e.prompt !== undefined) prompt = encode(e.prompt);
    else {
      const rand = mulberry32(1000 + i);
      prompt = [256, ...Array.from({ length: e.promptTokens! - 1 }, () => 32 + Math.floor(rand() * 95))];
    }
    return { id: `r${i}`, prompt, maxTokens: e.outputTokens, arrivalS: e.arrivalS };
  });
}
