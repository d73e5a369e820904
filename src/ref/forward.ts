import { type ModelConfig, qkvWidth } from '../model/config.js';
import type { ModelWeights } from '../model/weights.js';
import { attention } from './attention.js';
import { argmax } from './argmax.js';
import { embedding } from './embedding.js';
import { gemm } from './gemm.js';
import { residual } from './residual.js';
import { rmsnorm } from './rmsnorm.js';
import { swiglu } from './swiglu.js';
import { ropeTable } from '../numeric/rope-table.js';
import { rope } from './rope.js';
import { biasAdd } from './bias_add.js';
import { headRmsnorm } from './head_rmsnorm.js';

/**
 * The whole model on the CPU, in plain loops: the reference the GPU forward
 * pass is tested against, and the `--backend cpu` of `npm run generate`.
 * One instance holds one sequence's KV cache (contiguous, [C, Hkv*Dh] per layer).
 */
export class CpuModel {
  readonly config: ModelConfig;
  private readonly table: { cos: Float32Array; sin: Float32Array };
  private readonly kCache: Float32Array[];
  private readonly vCache: Float32Array[];
  /** Tokens already in the cache. */
  length = 0;

  constructor(readonly weights: ModelWeights) {
    const c = (this.config = weights.config);
    this.table = ropeTable(c.contextLength, c.headDim, c.ropeTheta, c.ropeFactors);
    this.kCache = weights.layers.map(() => new Float32Array(c.contextLength * c.kvHeads * c.headDim));
    this.vCache = weights.layers.map(() => new Float32Array(c.contextLength * c.kvHeads * c.headDim));
  }

  reset(): void {
    this.length = 0;
  }

  /**
   * Appends tokens at positions length..length+T-1 and returns the logits of
   * every row, [T, V]: prefill passes the prompt, decode passes one token.
   */
  forward(tokens: readonly number[]): Float32Array {
    const c = this.config;
    const { dModel: D, heads: H, kvHeads: Hkv, headDim: Dh, ffnDim: F, vocab: V } = c;
    const T = tokens.length;
    if (this.length + T > c.contextLength) throw new RangeError(`cache holds ${c.contextLength} positions; ${this.length + T} needed`);
    const positions = Array.from({ length: T }, (_, t) => this.length + t);
    const Nqkv = qkvWidth(c);
    const kvw = Hkv * Dh;
    const x = embedding(this.weights.embed, tokens, D); // [T, D]
    this.weights.layers.forEach((lw, l) => {
      const qkv = gemm(rmsnorm(x, lw.attnNorm, T, D, c.normEps), lw.wqkv, T, D, Nqkv); // [T, Nqkv]
      if (lw.bqkv) biasAdd(qkv, lw.bqkv, T, Nqkv);
      if (lw.qNorm && lw.kNorm) headRmsnorm(qkv, lw.qNorm, lw.kNorm, T, Nqkv, H, Hkv, Dh, c.normEps);
      rope(qkv, positions, this.table, T, Nqkv, H + Hkv, Dh);
      for (let t = 0; t < T; t++) {
        const p = positions[t]!;
        this.kCache[l]!.set(qkv.subarray(t * Nqkv + H * Dh, t * Nqkv + H * Dh + kvw), p * kvw);
        this.vCache[l]!.set(qkv.subarray(t * Nqkv + H * Dh + kvw, t * Nqkv + Nqkv), p * kvw);
      }
      const att = attention(qkv, Nqkv, this.kCache[l]!, this.vCache[l]!, positions, T, H, Hkv, Dh); // [T, H Dh]
      residual(x, gemm(att, lw.wo, T, H * Dh, D));
      const gu = gemm(rmsnorm(x, lw.mlpNorm, T, D, c.normEps), lw.wGateUp, T, D, 2 * F); // [T, 2F]
      residual(x, gemm(swiglu(gu, T, F), lw.wDown, T, F, D));
    });
    this.length += T;
    return gemm(rmsnorm(x, this.weights.finalNorm, T, D, c.normEps), this.weights.lmHead, T, D, V); // [T, V]
  }

  /**
   * Greedy generation: the prompt in one prefill, then one token per step.
   * `timings`, when given, receives the prefill and decode wall times.
   */
  generate(
    prompt: readonly number[],
    maxTokens: number,
    stopIds: readonly number[] = [],
    timings?: { prefillMs: number; decodeMs: number },
  ): number[] {
    this.reset();
    const out: number[] = [];
    const t0 = performance.now();
    let logits = this.forward(prompt);
    const t1 = performance.now();
    let rows = prompt.length;
    for (let i = 0; i < maxTokens; i++) {
      const next = argmax(logits.subarray((rows - 1) * this.config.vocab), 1, this.config.vocab)[0]!;
      out.push(next);
      if (stopIds.includes(next) || i === maxTokens - 1) break;
      logits = this.forward([next]);
      rows = 1;
    }
    if (timings) {
      timings.prefillMs = t1 - t0;
      timings.decodeMs = performance.now() - t1;
    }
    return out;
  }
}
