import { GpuModel, syntheticWeights } from '../../src/index.js';
import { LimitExceededError } from '../../src/errors.js';
import { GEMV_BUCKETS, GEMV_MAX_ROWS } from '../../src/kernels/gemv-rows.js';
import { weightBytesOf } from '../../src/perf/cost-model.js';
import { ladderConfig } from '../../src/perf/ladder.js';
import { warmUp } from '../../src/perf/pass-clock.js';
import { stats } from '../../src/perf/stats.js';
import { gpuMs, type BatchedDecodeRow, type SweepRequest } from './sweep-rows.js';
import type { SuiteEnv } from './suite.js';

/**
 * Batched decode on the smallest ladder model with at least 16 MiB of f32 weights (where
 * reading them dominates a step), else the largest in the sweep: B sequences with their
 * own cached prompt, one decode row each per step.
 */
export async function batchedDecode(
  { ctx, kernels }: SuiteEnv,
  req: SweepRequest,
  progress: (m: string) => void,
  skipped: string[],
): Promise<BatchedDecodeRow[]> {
  const widths = [...req.widths].sort((a, b) => a - b);
  const D = widths.find((w) => weightBytesOf(ladderConfig(w), 'f32') >= 16 * 2 ** 20) ?? widths[widths.length - 1];
  if (D === undefined) return [];
  const config = ladderConfig(D);
  const rows: BatchedDecodeRow[] = [];
  const maxB = GEMV_MAX_ROWS;
  const prompt = [256, 72, 101, 108, 108, 111, 33, 32];
  for (const dtype of req.dtypes) {
    progress(`sweep: batched decode ${config.name} ${dtype}`);
    let model: GpuModel;
    try {
      model = await GpuModel.create(ctx, syntheticWeights(config, dtype, 5), { maxRows: maxB * prompt.length, maxSeqs: maxB, kernels });
    } catch (e) {
      if (e instanceof LimitExceededError) {
        skipped.push(`batched decode ${config.name} ${dtype}: ${e.message}`);
        continue;
      }
      throw e;
    }
    try {
      for (let s = 0; s < maxB; s++)
        await model.step({ tokens: prompt, positions: prompt.map((_, i) => i), seqs: prompt.map(() => s), phase: 'prefill' });
      // Every GEMV row bucket; each step rewrites the same position.
      const inputs = GEMV_BUCKETS.map((B) => {
        const seqs = Array.from({ length: B }, (_, i) => i);
        return { tokens: seqs.map(() => 65), positions: seqs.map(() => prompt.length), seqs, logitRows: seqs, phase: 'decode' as const };
      });
      for (const input of inputs) await warmUp(ctx, () => model.step(input));
      // Round robin (B = 1, 2, 4, ... then again): the ratios to B = 1 are the point, and
      // on a shared CPU the adapter's speed drifts within a run, so each B's readings
      // are spread over the same minutes rather than each B getting its own.
      const times: number[][] = inputs.map(() => []);
      for (let r = 0; r < Math.max(3, req.decodeSteps); r++)
        for (const [i, input] of inputs.entries()) {
          const t0 = performance.now();
          const out = await model.step(input);
          times[i]!.push(gpuMs(out.gpuNs, performance.now() - t0));
        }
      const b1 = stats(times[0]!).median;
      for (const [i, B] of GEMV_BUCKETS.entries()) {
        const ms = stats(times[i]!);
        rows.push({
          config: config.name,
          weightBytes: model.weightBytes,
          dtype,
          batch: B,
          msPerStep: ms,
          overB1: ms.median / b1,
          tokensPerSec: (B * 1000) / ms.median,
        });
      }
    } finally {
      model.destroy();
    }
  }
  return rows;
}
