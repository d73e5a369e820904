// Options more than one suite takes: one definition each, so a flag means one thing and
// has one default everywhere (the CLI checks that suites share these objects).
import { DEFAULT_PRESET, PRESETS, type Slo } from '../../src/index.js';
import type { OptionDef } from './suite.js';

/**
 * A flag's value that cannot be used. Commander reports an error with this code as an invalid
 * argument of the flag it parsed (this module also runs in the browser, where commander does not).
 */
export class InvalidArgumentError extends Error {
  readonly code = 'commander.invalidArgument';
  readonly exitCode = 1;
}

/** Parsers that reject bad values with a message commander prints as the flag's error. */
export const parse = {
  int: (min: number) => {
    return (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number >= ${min}, got '${v}'`);
      return n;
    };
  },
  /** A positive number (a rate, a Gamma shape). */
  positive: (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got '${v}'`);
    return n;
  },
  /** Comma-separated whole numbers >= 1. */
  ints: (v: string): number[] => {
    const xs = v.split(',').map((s) => Number(s.trim()));
    if (!xs.length || xs.some((n) => !Number.isInteger(n) || n < 1))
      throw new InvalidArgumentError(`expected comma-separated whole numbers >= 1, got '${v}'`);
    return xs;
  },
  /** Comma-separated names, trimmed. */
  list: (v: string): string[] => {
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  },
  json: <T>(v: string): T => {
    try {
      return JSON.parse(v) as T;
    } catch (e) {
      throw new InvalidArgumentError(`expected JSON, got '${v}' (${(e as Error).message})`);
    }
  },
  /** A length range `LO-HI` (inclusive, whole numbers >= 1, LO <= HI) or one length `N`. */
  range: (v: string): [number, number] => {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(v);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || lo < 1 || hi < lo)
      throw new InvalidArgumentError(`expected LO-HI with whole numbers 1 <= LO <= HI (or one number), got '${v}'`);
    return [lo, hi];
  },
  oneOf: <T extends string>(...allowed: T[]) => {
    return (v: string) => {
      if (!allowed.includes(v as T)) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got '${v}'`);
      return v as T;
    };
  },
  /**
   * Goodput's SLO: comma-separated `ttft:MS`, `tpot:MS` (absolute, milliseconds) and
   * `scale:X` (within X times the request's own figure on an idle engine), e.g.
   * `ttft:500,tpot:50` (as vLLM's benchmark takes --goodput) or `scale:5`.
   */
  slo: (v: string): Slo => {
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
};

export const MODEL: OptionDef<string> = {
  flags: '--model <name|path>',
  help:
    `model of the engine suites (decode, serve, the sweep's prefill): a preset (${Object.keys(PRESETS).join(', ')}) ` +
    'or, from the command line, a Hugging Face folder or a .gguf file',
  // A path is read by the CLI (bench/cli/bench.ts) and served to the runtime.
  parse: (v: string) =>
    v in PRESETS || v.includes('/') || v.toLowerCase().endsWith('.gguf') ? v : parse.oneOf(...Object.keys(PRESETS))(v),
  value: DEFAULT_PRESET,
};

export const REPEATS: OptionDef<number> = {
  flags: '--repeats <n>',
  help: 'timed repeats per measurement (medians are reported)',
  parse: parse.int(1),
  value: 3,
  byLevel: { full: 5 },
};

/** K = N of both the kernels and tune suites' matrices when set; a GPU with a large cache needs 8192. */
export const KERNEL_SIZE: OptionDef<number | undefined> = {
  flags: '--kernel-size <n>',
  help: 'K = N of the GEMV and GEMM shapes alike (kernels and tune suites; unset, each takes its own size)',
  parse: parse.int(1),
  value: undefined,
};

/** The decode GEMV of the kernels and tune suites: 64 MiB of f32 weights (4096^2), past any CPU cache. */
export const GEMV_SIZE: OptionDef<number> = { help: 'K = N of the GEMV', value: 4096, byLevel: { quick: 1024 } };

/**
 * The prefill GEMM of the kernels and tune suites. The peers take ten to twenty times our
 * time on it, so its size sets most of the kernels suite's minutes: 512 x 2048^2 behind --full.
 */
export const GEMM_SHAPE: OptionDef<[number, number]> = {
  help: 'M, K = N of the GEMM',
  value: [256, 1024],
  byLevel: { quick: [128, 1024], full: [512, 2048] },
};

/**
 * The kernels and tune suites' matrices from their options: the GEMV's K = N and the GEMM's
 * M, K = N, with --kernel-size over both. One function, so a kernel set the tune suite finds
 * is judged by the kernels suite on the same shapes.
 */
export function kernelShapes(o: { kernelSize?: number; gemvSize: number; gemmShape: [number, number] }): {
  gemv: number;
  gemm: [number, number, number];
} {
  const gemm = o.kernelSize ?? o.gemmShape[1];
  return { gemv: o.kernelSize ?? o.gemvSize, gemm: [o.gemmShape[0], gemm, gemm] };
}
