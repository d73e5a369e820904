// Correctness on the adapter at hand: the whole model against the CPU reference,
// the same checks the GPU tests make in headless Chromium, for a user (or a GPU
// server with no browser) to run on their own hardware. The kernel variants
// chosen there (src/gpu/tuning.ts: workgroup shapes, subgroup sizes) may differ
// from the ones CI exercises, so this is the check that covers them.
import { CpuModel, Engine, generate, GpuModel, preset, syntheticWeights, type GpuContext, type WeightDtype } from '../../src/index.js';
import { LOGIT_TOL, relErr } from '../../src/ref/compare.js';

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

export async function verify(ctx: GpuContext, req: VerifyRequest, progress: (m: string) => void): Promise<VerifyRow[]> {
  const rows: VerifyRow[] = [];
  for (const name of req.models) {
    for (const dtype of req.dtypes) {
      const weights = syntheticWeights(preset(name), dtype, req.seed);
      const cpu = new CpuModel(weights);
      const add = (check: string, pass: boolean, detail: string) => rows.push({ model: name, dtype, check, pass, detail });

      const model = await GpuModel.create(ctx, weights);
      try {
        // Prefill (the GEMM path and attention over a causal prompt): every row's logits.
        for (const length of req.promptLengths) {
          progress(`verify: ${name} ${dtype}: prompt logits, ${length} rows`);
          const tokens = prompt(length, length);
          const all = tokens.map((_, i) => i);
          const out = await model.step({ tokens, positions: all, logitRows: all, phase: 'prefill' }, { readLogits: true });
          cpu.reset();
          const err = relErr(out.logits!, cpu.forward(tokens));
          add(`prompt logits, ${length} rows`, err < LOGIT_TOL, `max error ${err.toExponential(2)} of the logits' scale (tolerance ${LOGIT_TOL})`);
        }
        // Decode (the GEMV path, one row per step): greedy tokens.
        progress(`verify: ${name} ${dtype}: greedy decode`);
        const p = prompt(13, 1);
        const got = (await generate(model, p, { maxTokens: req.decodeTokens })).tokens;
        const want = cpu.generate(p, req.decodeTokens);
        add('greedy tokens, one sequence', sameTokens(got, want), describeTokens(got, want));
      } finally {
        model.destroy();
      }

      // Batched decode and chunked prefill: many requests at once through the serving engine.
      progress(`verify: ${name} ${dtype}: ${req.batch} requests at once`);
      const prompts = Array.from({ length: req.batch }, (_, i) => prompt(3 + ((i * 7) % 29), i + 2));
      const engine = await Engine.create(ctx, weights, { policy: 'continuous', maxSeqs: req.batch, tokenBudget: 64 });
      try {
        const results = await Promise.all(prompts.map((tokens) => engine.submit({ tokens, maxTokens: req.decodeTokens }).result));
        const bad = prompts.filter((tokens, i) => !sameTokens(results[i]!.tokens, cpu.generate(tokens, req.decodeTokens))).length;
        add(`greedy tokens, ${req.batch} requests batched`, bad === 0, bad ? `${bad} of ${req.batch} requests differ from the reference` : `all ${req.batch} equal the reference`);
      } finally {
        engine.destroy();
      }
    }
  }
  return rows;
}

const sameTokens = (a: number[], b: number[]) => a.length === b.length && a.every((t, i) => t === b[i]);

function describeTokens(got: number[], want: number[]): string {
  if (sameTokens(got, want)) return `${got.length} tokens equal the reference`;
  const at = got.findIndex((t, i) => t !== want[i]);
  return `differs from token ${at}: got ${got.slice(at, at + 4).join(',')}..., reference ${want.slice(at, at + 4).join(',')}...`;
}
