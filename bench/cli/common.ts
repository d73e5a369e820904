import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { EngineError, loadCheckpoint, preset, syntheticWeights, type ModelWeights, type Slo, type WeightDtype } from '../../src/index.js';
import type { RunnerResult } from '../suites/api.js';
import { BrowserSetupError } from './browser.js';

/** commander parsers that reject bad values with a clear message. */
export const parse = {
  int(min: number) {
    return (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number >= ${min}, got '${v}'`);
      return n;
    };
  },
  json<T>(v: string): T {
    try {
      return JSON.parse(v) as T;
    } catch (e) {
      throw new InvalidArgumentError(`expected JSON, got '${v}' (${(e as Error).message})`);
    }
  },
  /**
   * Goodput's SLO: comma-separated `ttft:MS`, `tpot:MS` (absolute, milliseconds) and
   * `scale:X` (within X times the request's own figure on an idle engine), e.g.
   * `ttft:500,tpot:50` (as vLLM's benchmark takes --goodput) or `scale:5`.
   */
  slo(v: string): Slo {
    const slo: Slo = {};
    for (const part of v.split(',')) {
      const [key, value, ...rest] = part.split(':').map((x) => x.trim());
      const n = Number(value);
      if (rest.length || !value || !Number.isFinite(n) || n <= 0)
        throw new InvalidArgumentError(`expected ttft:MS, tpot:MS or scale:X with a positive number, got '${part}'`);
      if (key === 'ttft') slo.ttftS = n / 1000;
      else if (key === 'tpot') slo.tpotS = n / 1000;
      else if (key === 'scale') slo.scale = n;
      else throw new InvalidArgumentError(`unknown SLO '${key}' in '${part}': expected ttft, tpot or scale`);
    }
    return slo;
  },
  /** A length range `LO-HI` (inclusive, whole numbers >= 1, LO <= HI) or one length `N`. */
  range(v: string): [number, number] {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(v);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || lo < 1 || hi < lo)
      throw new InvalidArgumentError(`expected LO-HI with whole numbers 1 <= LO <= HI (or one number), got '${v}'`);
    return [lo, hi];
  },
  /** A positive number (a rate, a Gamma shape). */
  positive(v: string): number {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got '${v}'`);
    return n;
  },
  oneOf<T extends string>(...allowed: T[]) {
    return (v: string) => {
      if (!allowed.includes(v as T)) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got '${v}'`);
      return v as T;
    };
  },
};

/** An engine error that happened inside the browser page, carried back with its code. */
export class PageEngineError extends EngineError {}

export function unwrap<T>(r: RunnerResult<T>): T {
  if (r.ok) return r.value;
  throw new PageEngineError(r.error.code, r.error.message);
}

/** Weights from a checkpoint file (checked here, in Node, before any browser starts) or synthetic ones. */
export function loadWeights(opts: { model: string; dtype: WeightDtype; seed: number; weights?: string }): {
  weights: ModelWeights;
  fileBytes?: Uint8Array;
} {
  if (!opts.weights) return { weights: syntheticWeights(preset(opts.model), opts.dtype, opts.seed) };
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(opts.weights);
  } catch (e) {
    throw new EngineError('BAD_WEIGHTS', `Cannot read weights file ${opts.weights}: ${(e as Error).message}`);
  }
  return { weights: loadCheckpoint(bytes, preset(opts.model)), fileBytes: bytes };
}

/** Prints an error the way every command does and sets a failing exit code. */
export function reportError(e: unknown): never {
  if (e instanceof EngineError) console.error(`error [${e.code}]: ${e.message}`);
  else if (e instanceof BrowserSetupError) console.error(`error [BROWSER]: ${e.message}`);
  else console.error(e);
  process.exit(e instanceof EngineError || e instanceof BrowserSetupError ? 2 : 1);
}
