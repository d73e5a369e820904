// Correctness on the adapter at hand: the whole model against the CPU reference,
// the same checks the GPU tests make in headless Chromium, for a user (or a GPU
// server with no browser) to run on their own hardware. The kernel variants
// chosen there (src/kernels/kernel-set.ts: variants, workgroup shapes, subgroup sizes) may differ
// from the ones CI exercises, so this is the check that covers them.
import { CpuModel, Engine, generate, GpuModel, preset, syntheticWeights, type WeightDtype } from '../../src/index.js';
import { LOGIT_TOL, relErr } from '../../src/ref/compare.js';
import type { SuiteEnv } from './suite.js';

export interface VerifyRequest {
  models: string[];
  dtypes: WeightDtype[];
  seed: number;
  /** Prompt lengths whose every row's logits are compared (awkward ones: 1, 3, 63, 64, 65). */
  promptLengths: number[];
  /** Greedy tokens generated per request. */
  decodeTokens: number;
  /** Requests served at once by the continuous engine (decode rows batched up to this many). */
  batch: number;
}

export interface VerifyRow {
  model: string;
  dtype: WeightDtype;
  check: string;
  pass: boolean;
  /** What was compared, and how it came out. */
  detail: string;
}

/** Deterministic, varied prompts (BOS then byte tokens) of the given length. */
function prompt(length: number, salt: number): number[] {
  return Array.from({ length }, (_, i) => (i === 0 ? 256 : 32 + ((i * 37 + salt * 11) % 90)));
}

export async function verify({ ctx, kernels }: SuiteEnv, req: VerifyRequest, progress: (m: string) => void): Promise<VerifyRow[]> {
  const rows: VerifyRow[] = [];
  for (const name of req.models) {
    for (const dtype of req.dtypes) {
      const weights = syntheticWeights(preset(name), dtype, req.seed);
      const cpu = new CpuModel(weights);
      const add = (check: string, pass: boolean, detail: string) => rows.push({ model: name, dtype, check, pass, detail });

      // Rows for the longest prompt in one step (generate() chunks longer prompts itself).
      const model = await GpuModel.create(ctx, weights, { maxRows: Math.max(...req.promptLengths), kernels });
      try {
        // Prefill (the GEMM path and attention over a causal prompt): every row's logits.
        for (const length of req.promptLengths) {
          progress(`verify: ${name} ${dtype}: prompt logits, ${length} rows`);
          const tokens = prompt(length, length);
          const all = tokens.map((_, i) => i);
          const out = await model.step({ tokens, positions: all, logitRows: all, phase: 'prefill' }, { readLogits: true });
          cpu.reset();
          const err = relErr(out.logits!, cpu.forward(tokens));
          add(
            `prompt logits, ${length} rows`,
            err < LOGIT_TOL,
            `max error ${err.toExponential(2)} of the logits' scale (tolerance ${LOGIT_TOL})`,
          );
        }
        // Decode (the GEMV path, one row per step): greedy tokens.
        progress(`verify: ${name} ${dtype}: greedy decode`);
        const p = prompt(13, 1);
        const got = (await generate(model, p, { maxTokens: req.decodeTokens })).tokens;
        const tokens = compareGreedy(got, referenceGreedy(cpu, p, req.decodeTokens));
        add('greedy tokens, one sequence', tokens.pass, tokens.detail);
      } finally {
        model.destroy();
      }

      // Batched decode and chunked prefill: many requests at once through the serving engine.
      progress(`verify: ${name} ${dtype}: ${req.batch} requests at once`);
      const prompts = Array.from({ length: req.batch }, (_, i) => prompt(3 + ((i * 7) % 29), i + 2));
      const engine = await Engine.create(ctx, weights, { policy: 'continuous', maxSeqs: req.batch, tokenBudget: 64, kernels });
      try {
        const results = await Promise.all(prompts.map((tokens) => engine.submit({ tokens, maxTokens: req.decodeTokens }).result));
        const checks = prompts.map((tokens, i) => compareGreedy(results[i]!.tokens, referenceGreedy(cpu, tokens, req.decodeTokens)));
        const bad = checks.filter((c) => !c.pass).length;
        const ties = checks.filter((c) => c.pass && c.tie).length;
        const detail = bad
          ? `${bad} of ${req.batch} requests differ from the reference (first: ${checks.find((c) => !c.pass)!.detail})`
          : `all ${req.batch} equal the reference${ties ? ` up to a near-tie (${ties})` : ''}`;
        add(`greedy tokens, ${req.batch} requests batched`, bad === 0, detail);
      } finally {
        engine.destroy();
      }
    }
  }
  return rows;
}

/** The reference's greedy tokens, each with how far its logit stood above the runner-up (relative to the logits' scale). */
function referenceGreedy(cpu: CpuModel, prompt: number[], n: number): { tokens: number[]; margins: number[] } {
  cpu.reset();
  const V = cpu.config.vocab;
  let logits = cpu.forward(prompt).subarray((prompt.length - 1) * V);
  const tokens: number[] = [];
  const margins: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    let second = -Infinity;
    let scale = 0;
    for (let v = 0; v < V; v++) {
      scale = Math.max(scale, Math.abs(logits[v]!));
      if (logits[v]! > logits[best]!) {
        second = logits[best]!;
        best = v;
      } else if (v !== best && logits[v]! > second) second = logits[v]!;
    }
    tokens.push(best);
    margins.push((logits[best]! - second) / scale);
    if (i < n - 1) logits = cpu.forward([best]);
  }
  return { tokens, margins };
}

/**
 * GPU greedy tokens against the reference's. Where they part, it is no error if the
 * reference's top two logits there were closer than the logits' tolerance: any two
 * correct summation orders may pick either of a near-tie, and the texts differ after.
 */
export function compareGreedy(
  got: number[],
  want: { tokens: number[]; margins: number[] },
): { pass: boolean; tie: boolean; detail: string } {
  const at = want.tokens.findIndex((t, i) => got[i] !== t);
  if (at < 0 && got.length === want.tokens.length) return { pass: true, tie: false, detail: `${got.length} tokens equal the reference` };
  const i = at < 0 ? want.tokens.length : at;
  const margin = want.margins[i] ?? Infinity;
  if (margin < LOGIT_TOL)
    return {
      pass: true,
      tie: true,
      detail: `${i} tokens equal the reference, then a near-tie (top two logits ${margin.toExponential(1)} of their scale apart)`,
    };
  return {
    pass: false,
    tie: false,
    detail:
      `differs from token ${i}: got ${got.slice(i, i + 4).join(',')}..., reference ` +
      `${want.tokens.slice(i, i + 4).join(',')}... (margin ${margin.toExponential(1)})`,
  };
}
