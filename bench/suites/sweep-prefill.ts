import { GpuModel } from '../../src/index.js';
import { modelledPrefillTokensPerSec, stepCost, type DeviceRates } from '../../src/perf/cost-model.js';
import { warmUp } from '../../src/perf/pass-clock.js';
import { stats } from '../../src/perf/stats.js';
import { gpuMs, type PrefillSweepRow, type StepProfile, type SweepRequest } from './sweep-rows.js';
import { modelWeights, type SuiteEnv } from './suite.js';

/** Rounds of the per-kernel profile and the production step, taken in turn (medians reported). */
const PROFILE_ROUNDS = 5;

/**
 * Prefill over prompt lengths on one model (GFLOP/s against the FMA peak, beside the cost
 * model), and the per-kernel profile of one prefill and one decode step beside the same
 * steps as the engine submits them.
 */
export async function prefillSweep(
  env: SuiteEnv,
  req: SweepRequest,
  rates: DeviceRates,
  progress: (m: string) => void,
  skipped: string[],
): Promise<{ prefill: PrefillSweepRow[]; profiles: StepProfile[] }> {
  const { ctx, kernels } = env;
  const prefill: PrefillSweepRow[] = [];
  const profiles: StepProfile[] = [];
  const pw = await modelWeights(env, req.prefillModel, 'f32', 5);
  const pc = pw.config;
  const maxT = Math.max(...req.promptLengths);
  const pm = await GpuModel.create(ctx, pw, { maxRows: Math.min(maxT, pc.contextLength), kernels });
  try {
    for (const T of req.promptLengths) {
      if (T > pc.contextLength) {
        skipped.push(`prefill ${T} tokens: longer than ${pc.name}'s context`);
        continue;
      }
      progress(`sweep: prefill ${T} tokens on ${pc.name}`);
      const toks = Array.from({ length: T }, (_, i) => 65 + (i % 26));
      const run = async () => {
        const t0 = performance.now();
        const out = await pm.step({ tokens: toks, positions: toks.map((_, i) => i), phase: 'prefill' });
        return gpuMs(out.gpuNs, performance.now() - t0);
      };
      await warmUp(ctx, run);
      const ms = stats([await run(), await run(), await run()]).median;
      const flops = stepCost(pc, 'f32', kernels, [{ newTokens: T, context: 0 }], rates).flops;
      prefill.push({
        model: pc.name,
        promptTokens: T,
        ms,
        tokensPerSec: (T * 1000) / ms,
        gflops: flops / ms / 1e6,
        fractionOfPeak: flops / ms / 1e6 / rates.fmaGflops,
        modelledTokensPerSec: modelledPrefillTokensPerSec(pc, 'f32', kernels, T, rates),
      });
    }
    if (ctx.hasTimestamps) {
      progress(`sweep: per-kernel profile of ${pc.name}`);
      const T = Math.min(64, pm.maxRows);
      const toks = Array.from({ length: T }, (_, i) => 65 + (i % 26));
      const prefillIn = { tokens: toks, positions: toks.map((_, i) => i), phase: 'prefill' as const };
      const decodeIn = { tokens: [66], positions: [T], logitRows: [0], phase: 'decode' as const };
      for (const [step, input] of [
        ['prefill', prefillIn],
        ['decode', decodeIn],
      ] as const) {
        await warmUp(ctx, () => pm.step(input));
        // Both ways in turn, PROFILE_ROUNDS times, medians of each: on these shared
        // machines one step can take half again another's time, so a single sample (or
        // the best of two against one) says more about the machine than about the passes.
        const attributed: { kernels: Record<string, number>; totalNs: number }[] = [];
        const production: number[] = [];
        for (let r = 0; r < PROFILE_ROUNDS; r++) {
          attributed.push(await pm.profileStep(input));
          production.push((await pm.step(input)).gpuNs / 1e6);
        }
        const productionMs = stats(production).median;
        const kernelsMs = Object.fromEntries(
          Object.keys(attributed[0]!.kernels).map((k) => [k, stats(attributed.map((a) => a.kernels[k]! / 1e6)).median]),
        );
        // The kernels' medians, summed: so the step is its kernels laid end to end (the
        // trace draws it so), where the median of the totals need not be.
        const attributedMs = Object.values(kernelsMs).reduce((a, b) => a + b, 0);
        profiles.push({ step, rows: input.tokens.length, kernelsMs, attributedMs, productionMs, gapMs: attributedMs - productionMs });
      }
    }
  } finally {
    pm.destroy();
  }
  return { prefill, profiles };
}
