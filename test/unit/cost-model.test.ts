import { describe, expect, it } from 'vitest';
import { preset } from '../../src/model/config.js';
import { matrixParams } from '../../src/model/config.js';
import { syntheticWeights, weightBytes } from '../../src/model/weights.js';
import { gpuKernels as splitK, swiftshaderKernels as lanes } from '../adapters.js';
import {
  bandwidthForTokensPerSec,
  curveGBps,
  kvBytesPerToken,
  modelledDecodeTokensPerSec,
  modelledPrefillTokensPerSec,
  overheadFloorBytes,
  stepCost,
  weightBytesOf,
  weightReadGBps,
  withReadCurves,
} from '../../src/perf/cost-model.js';

const rates = { readGBps: 100, fmaGflops: 1000, dispatchOverheadUs: 10 };

describe('cost model', () => {
  it("the seed's arithmetic: 14 GB of weights at 40 tokens/s reads 560 GB/s", () => {
    expect(bandwidthForTokensPerSec(14e9, 40)).toBe(560e9);
  });

  it('weight bytes match the weights the engine uploads, f32 and f16', () => {
    const c = preset('tiny');
    expect(weightBytesOf(c, 'f32')).toBe(weightBytes(syntheticWeights(c, 'f32')));
    expect(weightBytesOf(c, 'f16')).toBe(weightBytes(syntheticWeights(c, 'f16')));
    expect(weightBytesOf(c, 'f32')).toBe(matrixParams(c) * 4);
  });

  it('KV bytes per token = 2 x L x Hkv x Dh x 4', () => {
    const c = preset('small'); // L 4, Hkv 4, Dh 32
    expect(kvBytesPerToken(c)).toBe(2 * 4 * 4 * 32 * 4);
  });

  it('weights are read at the read ceiling, f16 ones at the lower of it and the f16 unpacking roof', () => {
    expect(weightReadGBps({ readGBps: 100, f16ReadGBps: 40 }, 'f32')).toBe(100);
    expect(weightReadGBps({ readGBps: 100, f16ReadGBps: 40 }, 'f16')).toBe(40);
    expect(weightReadGBps({ readGBps: 100, f16ReadGBps: 400 }, 'f16')).toBe(100);
    // Unmeasured (no f16 reader ran, or an older file): the read ceiling.
    expect(weightReadGBps({ readGBps: 100, f16ReadGBps: NaN }, 'f16')).toBe(100);
    expect(weightReadGBps({ readGBps: 100 }, 'f16')).toBe(100);
  });

  it('a read-rate curve: log-size interpolation between sizes, the nearest end outside them, never above the roof', () => {
    const MiB = 2 ** 20;
    const curve = [
      { bytes: 16 * MiB, GBps: 1.5 },
      { bytes: MiB, GBps: 1.1 },
      { bytes: 4 * MiB, GBps: 1.3 },
    ]; // any order
    expect(curveGBps(curve, MiB, 1.5)).toBe(1.1);
    expect(curveGBps(curve, 2 * MiB, 1.5)).toBeCloseTo(1.2, 12); // halfway in log size
    expect(curveGBps(curve, 8 * MiB, 1.5)).toBeCloseTo(1.4, 12);
    expect(curveGBps(curve, 1024, 1.5)).toBe(1.1); // below the smallest size measured
    expect(curveGBps(curve, 64 * MiB, 1.5)).toBe(1.5); // past the largest
    // A small buffer read again and again may sit in a cache: never charged above the roof.
    expect(
      curveGBps(
        [
          { bytes: MiB, GBps: 9 },
          { bytes: 16 * MiB, GBps: 2 },
        ],
        MiB,
        2,
      ),
    ).toBe(2);
    // No curve, or nothing usable in it: the roof.
    expect(curveGBps(undefined, MiB, 1.5)).toBe(1.5);
    expect(curveGBps([{ bytes: MiB, GBps: NaN }], MiB, 1.5)).toBe(1.5);
    // f16: the lower of the f32 curve and the f16 one, each at the size asked.
    const rates = {
      readGBps: 1.5,
      f16ReadGBps: 0.9,
      readCurve: curve,
      f16ReadCurve: [
        { bytes: MiB, GBps: 0.6 },
        { bytes: 16 * MiB, GBps: 0.9 },
      ],
    };
    expect(weightReadGBps(rates, 'f16', MiB)).toBe(0.6);
    expect(weightReadGBps(rates, 'f32', MiB)).toBe(1.1);
    expect(weightReadGBps(rates, 'f32')).toBe(1.5); // no size: the ceiling
  });

  it("a step with a read curve charges each matrix's weights at the rate near its own size", () => {
    const c = preset('small'); // qkv 256 x 512 f32: 0.5 MiB; gate_up 256 x 1376: 1.3 MiB
    const seqs = [{ newTokens: 1, context: 10 }];
    const flat = stepCost(c, 'f32', lanes, seqs, rates);
    // Half the rate at 0.5 MiB and below, the full rate from 2 MiB.
    const curved = stepCost(c, 'f32', lanes, seqs, {
      ...rates,
      readCurve: [
        { bytes: 2 ** 19, GBps: 50 },
        { bytes: 2 ** 21, GBps: 100 },
      ],
    });
    const ms = (step: ReturnType<typeof stepCost>, name: string) => step.kernels.find((k) => k.kernel === name)!.ms;
    const qkvWeights = 256 * 512 * 4 * c.layers;
    expect(ms(curved, 'qkv') - ms(flat, 'qkv')).toBeCloseTo(qkvWeights / (50 * 1e6) - qkvWeights / (100 * 1e6), 12);
    // gate_up's 1.34 MiB sits between the two sizes: between the two rates.
    const gateUpWeights = 256 * 2 * c.ffnDim * 4 * c.layers;
    const rate = 50 + (50 * Math.log(gateUpWeights / c.layers / 2 ** 19)) / Math.log(4);
    expect(ms(curved, 'gate_up') - ms(flat, 'gate_up')).toBeCloseTo(gateUpWeights / (rate * 1e6) - gateUpWeights / (100 * 1e6), 12);
    // Only weights: attention's bytes (the KV cache) stay at the read ceiling.
    expect(ms(curved, 'attention')).toBe(ms(flat, 'attention'));
  });

  it("read curves measured beside a step replace the rates' curves and roofs; a dtype not measured keeps its own", () => {
    const base = {
      ...rates,
      f16ReadGBps: 40,
      readCurve: [
        { bytes: 2 ** 20, GBps: 90 },
        { bytes: 2 ** 28, GBps: 100 },
      ],
      f16ReadCurve: [{ bytes: 2 ** 28, GBps: 40 }],
    };
    const read = [
      { bytes: 2 ** 22, GBps: 70 },
      { bytes: 2 ** 21, GBps: 60 },
    ];
    const now = withReadCurves(base, read);
    expect(now.readCurve).toBe(read);
    expect(now.readGBps).toBe(70); // the largest size's rate, wherever it sits in the list
    expect(now.f16ReadCurve).toBe(base.f16ReadCurve);
    expect(now.f16ReadGBps).toBe(40);
    expect(now.fmaGflops).toBe(base.fmaGflops);
    // A 3 MiB matrix is charged between the two sizes read, not at the ceilings' rates.
    expect(weightReadGBps(now, 'f32', 3 * 2 ** 20)).toBeCloseTo(60 + (10 * Math.log(1.5)) / Math.log(2), 12);
    const f16 = withReadCurves(base, undefined, [{ bytes: 2 ** 21, GBps: 30 }]);
    expect(f16.readCurve).toBe(base.readCurve);
    expect(weightReadGBps(f16, 'f16', 2 ** 21)).toBe(30);
    expect(withReadCurves(base, [], [])).toEqual(base);
  });

  it('the split-K GEMV is two dispatches per decode matmul and LM head, one per prefill matmul; the lane GEMV one', () => {
    const c = preset('tiny'); // 2 layers: 8 matmuls + the head
    const matmuls = (step: ReturnType<typeof stepCost>) =>
      step.kernels.filter((k) => ['qkv', 'o_proj', 'gate_up', 'down', 'lm_head'].includes(k.kernel)).reduce((a, k) => a + k.dispatches, 0);
    const decode = [{ newTokens: 1, context: 10 }];
    expect(matmuls(stepCost(c, 'f32', lanes, decode, rates))).toBe(9);
    expect(matmuls(stepCost(c, 'f32', splitK, decode, rates))).toBe(18);
    // A prefill step runs the GEMM (one dispatch each); its head is a GEMV.
    expect(matmuls(stepCost(c, 'f32', splitK, [{ newTokens: 20, context: 0 }], rates))).toBe(10);
    // With the lane kernels, gemm_direct takes whole groups of 32 rows and the GEMV the rows past
    // them, up to 16: 20 rows are all GEMM, 33 rows GEMM and a one-row GEMV per matrix.
    expect(matmuls(stepCost(c, 'f32', lanes, [{ newTokens: 20, context: 0 }], rates))).toBe(9);
    expect(matmuls(stepCost(c, 'f32', lanes, [{ newTokens: 33, context: 0 }], rates))).toBe(17);
    const extra = stepCost(c, 'f32', splitK, decode, rates).ms - stepCost(c, 'f32', lanes, decode, rates).ms;
    expect(extra).toBeCloseTo((9 * rates.dispatchOverheadUs) / 1000, 9);
  });

  it('a decode step by hand: matrix FLOPs are 2 x params, matrix bytes the weights', () => {
    const c = preset('tiny');
    const step = stepCost(c, 'f32', lanes, [{ newTokens: 1, context: 10 }], rates);
    const matrices = step.kernels.filter((k) => ['qkv', 'o_proj', 'gate_up', 'down', 'lm_head'].includes(k.kernel));
    expect(matrices.reduce((a, k) => a + k.flops, 0)).toBe(2 * matrixParams(c));
    const weightPart = matrices.reduce((a, k) => a + k.bytes, 0);
    expect(weightPart).toBeGreaterThan(weightBytesOf(c, 'f32'));
    expect(weightPart - weightBytesOf(c, 'f32')).toBeLessThan(0.05 * weightBytesOf(c, 'f32')); // activations are small
    // Attention: 4 H Dh per attended position, 11 positions (10 cached + itself), per layer.
    expect(step.kernels.find((k) => k.kernel === 'attention')!.flops).toBe(4 * 4 * 16 * 11 * 2);
    // Dispatches as the engine issues them: embedding, 12 per layer, final norm, head, argmax.
    expect(step.dispatches).toBe(1 + 12 * c.layers + 3);
    // Time: overhead plus each kernel's max(compute, memory).
    const kernelMs = step.kernels.reduce((a, k) => a + k.ms, 0);
    expect(step.ms).toBeCloseTo(kernelMs + (step.dispatches * 10) / 1000, 12);
  });

  it('decode is memory-bound and tokens/s approaches bandwidth / weight bytes as weights grow', () => {
    const big = { ...preset('large'), layers: 24 };
    const wb = weightBytesOf(big, 'f32');
    const tps = modelledDecodeTokensPerSec(big, 'f32', lanes, 1, 16, { ...rates, dispatchOverheadUs: 0 });
    expect(tps).toBeLessThan((rates.readGBps * 1e9) / wb);
    expect(tps).toBeGreaterThan((0.9 * rates.readGBps * 1e9) / wb);
    const step = stepCost(big, 'f32', lanes, [{ newTokens: 1, context: 16 }], rates);
    expect(step.kernels.find((k) => k.kernel === 'gate_up')!.bound).toBe('memory');
  });

  it('prefill is compute-bound: long prompts reach peak / (2 x params) tokens/s', () => {
    const c = preset('small');
    const step = stepCost(c, 'f32', lanes, [{ newTokens: 512, context: 0 }], rates);
    expect(step.kernels.find((k) => k.kernel === 'gate_up')!.bound).toBe('compute');
    const tps = modelledPrefillTokensPerSec(c, 'f32', lanes, 512, { ...rates, dispatchOverheadUs: 0 });
    expect(tps).toBeLessThan((rates.fmaGflops * 1e9) / (2 * matrixParams(c)));
    expect(tps).toBeGreaterThan((0.5 * rates.fmaGflops * 1e9) / (2 * matrixParams(c)));
  });

  it('batching decode is nearly free while weights dominate', () => {
    const c = preset('large');
    const one = modelledDecodeTokensPerSec(c, 'f32', lanes, 1, 64, rates);
    const eight = modelledDecodeTokensPerSec(c, 'f32', lanes, 8, 64, rates);
    expect(eight / one).toBeGreaterThan(7);
  });

  it('the overhead floor: dispatches x overhead x bandwidth', () => {
    expect(overheadFloorBytes(51, { readGBps: 1, fmaGflops: 1, dispatchOverheadUs: 20 })).toBeCloseTo(51 * 20e-6 * 1e9, 3);
  });

  it('f16 weights go at the f16 read-and-unpack roof where it is below the read ceiling, and only the weights', () => {
    const c = preset('tiny');
    const seqs = [{ newTokens: 1, context: 10 }];
    const fast = stepCost(c, 'f16', lanes, seqs, rates);
    const slow = stepCost(c, 'f16', lanes, seqs, { ...rates, f16ReadGBps: rates.readGBps / 4 });
    for (const name of ['qkv', 'o_proj', 'gate_up', 'down', 'lm_head']) {
      const f = fast.kernels.find((k) => k.kernel === name)!;
      const s = slow.kernels.find((k) => k.kernel === name)!;
      const weightMs = weightBytesOfKernel(f, c) / (rates.readGBps * 1e6);
      // The weights take 4x as long; the activations the same.
      expect(s.ms).toBeCloseTo(f.ms + 3 * weightMs, 9);
    }
    expect(slow.kernels.find((k) => k.kernel === 'attention')!.ms).toBe(fast.kernels.find((k) => k.kernel === 'attention')!.ms);
    // A roof above the read ceiling changes nothing, and f32 never uses it.
    expect(stepCost(c, 'f16', lanes, seqs, { ...rates, f16ReadGBps: rates.readGBps * 4 }).ms).toBe(fast.ms);
    expect(stepCost(c, 'f32', lanes, seqs, { ...rates, f16ReadGBps: 1 }).ms).toBe(stepCost(c, 'f32', lanes, seqs, rates).ms);
  });
});

/** f16 weight bytes of one matrix kernel of a tiny-model decode step (times its layers). */
function weightBytesOfKernel(k: { kernel: string; dispatches: number }, c: ReturnType<typeof preset>): number {
  const shapes: Record<string, [number, number]> = {
    qkv: [c.dModel, (c.heads + 2 * c.kvHeads) * c.headDim],
    o_proj: [c.heads * c.headDim, c.dModel],
    gate_up: [c.dModel, 2 * c.ffnDim],
    down: [c.ffnDim, c.dModel],
    lm_head: [c.dModel, c.vocab],
  };
  const [K, N] = shapes[k.kernel]!;
  return K * N * 2 * k.dispatches;
}
