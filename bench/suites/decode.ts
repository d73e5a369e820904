// The decode suite: the whole engine on one model as a user runs it (wall clock, one
// command buffer and one id readback per step), f32 and f16 weights: prefill of one prompt,
// then greedy decode.
import { encode, generate, GpuModel, type WeightDtype } from '../../src/index.js';
import { warmUp } from '../../src/perf/pass-clock.js';
import { stats, type Stats } from '../../src/perf/stats.js';
import { fmt, mib } from '../report/format.js';
import { MODEL, REPEATS } from './options.js';
import { defineSuite, isServedModel, modelWeights, type SuiteEnv } from './suite.js';

export const decodeSuite = defineSuite({
  name: 'decode',
  summary: 'the whole engine on one model, f32 and f16: prefill of one prompt, then greedy decode (wall clock)',
  inDefaultRun: true,
  options: {
    model: MODEL,
    repeats: REPEATS,
    promptTokens: { help: 'prompt length', value: 128, byLevel: { quick: 32 } },
    decodeTokens: { help: 'tokens decoded per repeat', value: 32, byLevel: { quick: 16 } },
  },
  request: (o): DecodeBenchRequest => ({ ...o, dtypes: ['f32', 'f16'] }),
  run: (env, req, progress) => decodeBench(env, req, progress),
  result: (rows: DecodeBenchRow[]) => ({ rows }),
  done: (r) => `decode: ${r.rows[0]?.model ?? ''}, greedy, one sequence`,
  tables: (r) => [
    {
      head: ['model', 'dtype', 'weights', 'prompt', 'prefill ms', 'prefill tok/s', 'ms/token', 'decode tok/s', 'GB/s (weights)'],
      rows: r.rows.map((x) => [
        x.model,
        x.dtype,
        mib(x.weightBytes),
        x.promptTokens,
        `${fmt(x.prefillMs.median, 1)} (${fmt(x.prefillMs.min, 1)}-${fmt(x.prefillMs.max, 1)})`,
        fmt(x.prefillTokensPerSec, 0),
        `${fmt(x.msPerToken.median)} (${fmt(x.msPerToken.min)}-${fmt(x.msPerToken.max)})`,
        fmt(x.tokensPerSec, 1),
        fmt(x.achievedGBps),
      ]),
    },
  ],
});

export interface DecodeBenchRequest {
  model: string;
  dtypes: WeightDtype[];
  promptTokens: number;
  decodeTokens: number;
  repeats: number;
}

export interface DecodeBenchRow {
  model: string;
  dtype: WeightDtype;
  weightBytes: number;
  promptTokens: number;
  prefillMs: Stats;
  prefillTokensPerSec: number;
  decodeTokens: number;
  msPerToken: Stats;
  tokensPerSec: number;
  /** Weight bytes read per second at the median decode rate. */
  achievedGBps: number;
}

/**
 * Prefill and greedy decode on one model, per weight dtype: the whole engine
 * as a user runs it (wall clock, one command buffer and one id readback per step).
 */
export async function decodeBench(env: SuiteEnv, req: DecodeBenchRequest, progress: (msg: string) => void): Promise<DecodeBenchRow[]> {
  const rows: DecodeBenchRow[] = [];
  const text = 'The kitchen is fast, but a bad serving loop keeps the burners idle. '.repeat(32);
  const prompt = encode(text).slice(0, req.promptTokens);
  const { ctx, kernels } = env;
  // A real model runs once, in the dtype its file holds.
  const dtypes = isServedModel(req.model) ? [(await modelWeights(env, req.model, 'f32', 0)).dtype] : req.dtypes;
  for (const dtype of dtypes) {
    const model = await GpuModel.create(ctx, await modelWeights(env, req.model, dtype, 1234), { kernels });
    try {
      await warmUp(ctx, () => generate(model, prompt, { maxTokens: 2 })); // first dispatches, page faults, GPU clocks
      const prefill: number[] = [];
      const perToken: number[] = [];
      for (let r = 0; r < req.repeats; r++) {
        progress(`decode ${req.model} ${dtype}: repeat ${r + 1}/${req.repeats}`);
        const res = await generate(model, prompt, { maxTokens: req.decodeTokens + 1 });
        prefill.push(res.prefillMs);
        perToken.push(res.decodeMs / (res.tokens.length - 1));
      }
      const ms = stats(perToken);
      const pf = stats(prefill);
      rows.push({
        model: req.model,
        dtype,
        weightBytes: model.weightBytes,
        promptTokens: prompt.length,
        prefillMs: pf,
        prefillTokensPerSec: (prompt.length * 1000) / pf.median,
        decodeTokens: req.decodeTokens,
        msPerToken: ms,
        tokensPerSec: 1000 / ms.median,
        achievedGBps: model.weightBytes / ms.median / 1e6,
      });
    } finally {
      model.destroy();
    }
  }
  return rows;
}
