import { ConfigError } from '../errors.js';
import type { GpuContext } from '../gpu/context.js';
import { Argmax } from '../kernels/argmax.js';
import { Attention } from '../kernels/attention.js';
import { Embedding } from '../kernels/embedding.js';
import { BiasAdd } from '../kernels/bias_add.js';
import { Gemm } from '../kernels/gemm.js';
import { HeadRmsNorm } from '../kernels/head_rmsnorm.js';
import { GEMV_MAX_ROWS, Gemv, gemvScratchBytes } from '../kernels/gemv.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { KvWrite } from '../kernels/kv_write.js';
import { Residual } from '../kernels/residual.js';
import { RmsNorm } from '../kernels/rmsnorm.js';
import { Rope } from '../kernels/rope.js';
import { SwiGlu } from '../kernels/swiglu.js';
import { type ModelConfig, qkvWidth } from './config.js';
import type { GpuKvCache } from './kv-cache.js';
import type { GpuMatrix, GpuWeights } from './gpu-weights.js';
import { gemmRowsOf, opDecodes, opRowCount, type StepOp, type StepShape } from './step-ops.js';

/** A step op bound to its kernels and buffers: encoding it allocates nothing. */
export interface BoundOp {
  readonly op: StepOp;
  encode(pass: GPUComputePassEncoder, shape: StepShape): void;
  destroy(): void;
}

/** The activations of one step, [maxRows, width] each, made once with the model. */
export interface StepBuffers {
  tokens: GPUBuffer; // u32 [rows]
  positions: GPUBuffer; // u32 [rows]
  seqs: GPUBuffer; // u32 [rows]
  rowIndex: GPUBuffer; // u32 [logit rows]
  x: GPUBuffer; // [rows, D] residual stream
  xn: GPUBuffer; // [rows, D] normed
  qkv: GPUBuffer; // [rows, (H + 2 Hkv) Dh]
  att: GPUBuffer; // [rows, H Dh]
  proj: GPUBuffer; // [rows, D] o_proj / down_proj output
  gu: GPUBuffer; // [rows, 2F]
  mlp: GPUBuffer; // [rows, F]
  headIn: GPUBuffer; // [logit rows, D]
  logits: GPUBuffer; // [logit rows, V]
  ids: GPUBuffer; // u32 [logit rows]
  cos: GPUBuffer; // the RoPE table, [C, Dh/2]
  sin: GPUBuffer;
  /** The split-K GEMV's partial sums: one buffer for every GEMV, which run one after another. */
  partials?: GPUBuffer;
}

interface BindContext {
  ctx: GpuContext;
  kernels: KernelSet;
  config: ModelConfig;
  weights: GpuWeights;
  kv: GpuKvCache;
  bufs: StepBuffers;
  gemvRows: number;
}

/** Binds every op of the step list, in its order, to kernels made for these buffers. */
export async function bindStepOps(ops: readonly StepOp[], b: BindContext): Promise<BoundOp[]> {
  const bound: BoundOp[] = [];
  for (const op of ops) bound.push(await bindOp(op, b));
  return bound;
}

/** A single kernel object as a bound op. */
const one = (op: StepOp, k: { encode(pass: GPUComputePassEncoder, rows: number): void; destroy(): void }): BoundOp => ({
  op,
  encode: (pass, shape) => k.encode(pass, opRowCount(op, shape)),
  destroy: () => k.destroy(),
});

async function bindOp(op: StepOp, b: BindContext): Promise<BoundOp> {
  const { ctx, kernels, config: c, weights, kv, bufs } = b;
  const { dModel: D, heads: H, kvHeads: Hkv, headDim: Dh, ffnDim: F, vocab: V } = c;
  const Nqkv = qkvWidth(c);
  const lw = op.layer === undefined ? undefined : weights.layers[op.layer]!;
  const cache = op.layer === undefined ? undefined : kv.layers[op.layer]!;
  const rowBufs = { positions: bufs.positions, seqs: bufs.seqs, blockTable: kv.blockTable };
  switch (op.part) {
    case 'embedding':
      return one(op, await Embedding.create(ctx, kernels, weights.dtype, D, weights.embedRowWords, bufs.tokens, weights.embed, bufs.x));
    case 'attn_norm':
      return one(op, await RmsNorm.create(ctx, kernels, D, c.normEps, bufs.x, lw!.attnNorm, bufs.xn));
    case 'qkv':
      return matmul(op, b, lw!.wqkv, bufs.xn, bufs.qkv);
    case 'qkv_bias':
      return one(op, await BiasAdd.create(ctx, kernels, Nqkv, bufs.qkv, required(lw!.bqkv, op)));
    case 'qk_norm':
      return one(
        op,
        await HeadRmsNorm.create(
          ctx,
          kernels,
          { stride: Nqkv, qHeads: H, kHeads: Hkv, headDim: Dh, eps: c.normEps },
          bufs.qkv,
          required(lw!.qNorm, op),
          required(lw!.kNorm, op),
        ),
      );
    case 'rope':
      return one(
        op,
        await Rope.create(ctx, kernels, { stride: Nqkv, ropeHeads: H + Hkv, headDim: Dh }, bufs.qkv, bufs.positions, bufs.cos, bufs.sin),
      );
    case 'kv_write':
      return one(op, await KvWrite.create(ctx, kernels, kv.layout, Nqkv, H * Dh, { qkv: bufs.qkv, ...rowBufs, cache: cache! }));
    case 'attention':
      return one(
        op,
        await Attention.create(ctx, kernels, { heads: H, kvHeads: Hkv, headDim: Dh, qkvStride: Nqkv }, kv.layout, {
          qkv: bufs.qkv,
          ...rowBufs,
          cache: cache!,
          out: bufs.att,
        }),
      );
    case 'o_proj':
      return matmul(op, b, lw!.wo, bufs.att, bufs.proj);
    case 'add_attn':
    case 'add_mlp':
      return one(op, await Residual.create(ctx, kernels, D, bufs.x, bufs.proj));
    case 'mlp_norm':
      return one(op, await RmsNorm.create(ctx, kernels, D, c.normEps, bufs.x, lw!.mlpNorm, bufs.xn));
    case 'gate_up':
      return matmul(op, b, lw!.wGateUp, bufs.xn, bufs.gu);
    case 'swiglu':
      return one(op, await SwiGlu.create(ctx, kernels, F, bufs.gu, bufs.mlp));
    case 'down':
      return matmul(op, b, lw!.wDown, bufs.mlp, bufs.proj);
    case 'final_norm':
      return one(op, await RmsNorm.create(ctx, kernels, D, c.normEps, bufs.x, weights.finalNorm, bufs.headIn, bufs.rowIndex));
    case 'lm_head':
      return matmul(op, b, weights.lmHead, bufs.headIn, bufs.logits);
    case 'argmax':
      return one(op, await Argmax.create(ctx, kernels, V, bufs.logits, bufs.ids));
  }
}

/** A layer buffer the config promises (qkvBias, qkNorm) but the weights lack: a loader bug, said plainly. */
function required(b: GPUBuffer | undefined, op: StepOp): GPUBuffer {
  if (!b) throw new ConfigError(`layer ${op.layer}: the config asks for ${op.part} but the weights have none`);
  return b;
}

/** A matmul's GEMM and GEMV over one matrix; each step's rows go as gemmRowsOf says (step-ops.ts). */
async function matmul(op: StepOp, b: BindContext, m: GpuMatrix, input: GPUBuffer, out: GPUBuffer): Promise<BoundOp> {
  const label = `${op.layer === undefined ? '' : `l${op.layer}.`}${op.part}`;
  const gemm = await Gemm.create(b.ctx, b.kernels, m.layout, input, m.buffer, out, `${label}.gemm`);
  const gemv = await Gemv.create(b.ctx, b.kernels, m.layout, input, m.buffer, out, b.gemvRows, `${label}.gemv`, b.bufs.partials);
  const kernels = b.kernels;
  return {
    op,
    encode(pass, shape) {
      const rows = opRowCount(op, shape);
      const gemmRows = gemmRowsOf(kernels, rows, opDecodes(op, shape));
      if (gemmRows > 0) gemm.encode(pass, gemmRows);
      if (rows > gemmRows) gemv.encode(pass, rows, gemmRows);
    },
    destroy() {
      gemm.destroy();
      gemv.destroy();
    },
  };
}

/** Bytes of the one split-K scratch buffer every GEMV of the model shares (0 with the lane GEMV). */
export function partialBytes(kernels: KernelSet, weights: GpuWeights, maxRows: number): number {
  const l0 = weights.layers[0]!;
  const gemvRows = Math.min(GEMV_MAX_ROWS, maxRows);
  return Math.max(...[l0.wqkv, l0.wo, l0.wGateUp, l0.wDown, weights.lmHead].map((m) => gemvScratchBytes(kernels, m.layout, gemvRows)));
}
