import { encode, generate, GpuModel, preset, syntheticWeights, type GpuContext, type WeightDtype } from '../../src/index.js';
import { warmUp } from '../../src/perf/pass-clock.js';
import { stats, type Stats } from '../../src/perf/stats.js';

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
export async function decodeBench(ctx: GpuContext, req: DecodeBenchRequest, progress: (msg: string) => void): Promise<DecodeBenchRow[]> {
  const rows: DecodeBenchRow[] = [];
  const text = 'The kitchen is fast, but a bad serving loop keeps the burners idle. '.repeat(32);
  const prompt = encode(text).slice(0, req.promptTokens);
  for (const dtype of req.dtypes) {
    const model = await GpuModel.create(ctx, syntheticWeights(preset(req.model), dtype, 1234));
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
