import { GEMV_MAX_ROWS } from '../kernels/gemv-rows.js';
import { gemmRowGroup, gemvDispatches, laneMatmulOnly, type KernelSet } from '../kernels/kernel-set.js';
import { bytesPerWeight, type WeightDtype } from '../numeric/dtype.js';
import { type ModelConfig, qkvWidth } from './config.js';

// One engine step's kernels, in the order they run: the single list that the forward pass
// encodes (GpuModel binds each op to its kernel), the per-kernel profile times, the dispatch
// count adds up and the cost model prices (src/perf/cost-model.ts).

/** A step's rows: `rows` go through the layers, `logitRows` through the head; `decode`: one new token per sequence. */
export interface StepShape {
  rows: number;
  logitRows: number;
  decode: boolean;
}

/**
 * One sequence's share of a step: n new tokens on top of c cached ones; `decode` (default:
 * n is 1) says they are generated tokens, not a prompt's.
 */
export interface SeqShape {
  newTokens: number;
  context: number;
  decode?: boolean;
}

/** The names kernels go by in profiles, traces and the cost model. */
export type OpName =
  | 'embedding'
  | 'rmsnorm'
  | 'qkv'
  | 'bias_add'
  | 'qk_norm'
  | 'rope'
  | 'kv_write'
  | 'attention'
  | 'o_proj'
  | 'residual'
  | 'gate_up'
  | 'swiglu'
  | 'down'
  | 'final_norm'
  | 'lm_head'
  | 'argmax';

/** A weight matrix a matmul reads, [K, N]. */
export interface MatrixRef {
  which: 'qkv' | 'o' | 'gateUp' | 'down' | 'head';
  K: number;
  N: number;
}

/** What a kernel moves and computes in one step; `weightBytes` (part of `bytes`) is what it reads of the weights. */
export interface OpWork {
  bytes: number;
  flops: number;
  weightBytes: number;
}

/** Which kernel of the layer (or of the step, outside the layers) an op is: what GpuModel binds it by. */
export type OpPart =
  | 'embedding'
  | 'attn_norm'
  | 'qkv'
  | 'qkv_bias'
  | 'qk_norm'
  | 'rope'
  | 'kv_write'
  | 'attention'
  | 'o_proj'
  | 'add_attn'
  | 'mlp_norm'
  | 'gate_up'
  | 'swiglu'
  | 'down'
  | 'add_mlp'
  | 'final_norm'
  | 'lm_head'
  | 'argmax';

/** One kernel of a step. */
export interface StepOp {
  readonly part: OpPart;
  /** Its name in profiles and the cost model (both RMSNorms of a layer are 'rmsnorm', both adds 'residual'). */
  readonly name: OpName;
  /** The layer it belongs to; undefined before and after the layers. */
  readonly layer?: number;
  /** Matmuls: the matrix, read once per step whatever the rows. */
  readonly matrix?: MatrixRef;
  /** Whether it runs on every row of the step or only on the rows whose logits are wanted. */
  readonly rows: 'step' | 'logits';
  /** Bytes and FLOPs for a step of these sequences (weights in `dtype`). */
  work(seqs: readonly SeqShape[], dtype: WeightDtype): OpWork;
}

/** The rows of a step, read off its sequences: a decode step when every sequence decodes. */
export function shapeOf(seqs: readonly SeqShape[]): StepShape {
  return {
    rows: seqs.reduce((a, s) => a + s.newTokens, 0),
    logitRows: seqs.length,
    decode: seqs.every((s) => s.decode ?? s.newTokens === 1),
  };
}

/**
 * Where a matmul's rows go: the first `gemmRows` through the GEMM, the rest (rows - gemmRows)
 * through the GEMV. A decode step of up to 16 rows: the GEMV, one pass over the
 * weights for all of them; anything else the GEMM, except where the GEMV is the lane GEMV
 * and the GEMM gemm_direct (both lane_matmul, so either gives a row the same bits): there
 * the rows past the GEMM's last whole row group, up to 16, go to the GEMV bucket that holds
 * them, prompt steps of up to 16 rows included, since gemm_direct computes a whole group
 * whatever the rows in it (docs/results.md, "Prompt rows past the GEMM's whole groups").
 * The head sees only the logit rows, a handful at most: the GEMV unless many are asked for.
 */
export function gemmRowsOf(k: KernelSet, rows: number, decode: boolean): number {
  const tails = laneMatmulOnly(k);
  if (rows <= GEMV_MAX_ROWS && (decode || tails)) return 0;
  const tail = tails ? rows % gemmRowGroup(k) : 0;
  return tail === 0 || tail > GEMV_MAX_ROWS ? rows : rows - tail;
}

/** The rows an op runs on in a step of this shape (a number: the decode loop calls this every step). */
export function opRowCount(op: StepOp, shape: StepShape): number {
  return op.rows === 'logits' ? shape.logitRows : shape.rows;
}

/** Whether an op's matmul takes the decode route: the head always does (its rows are few). */
export function opDecodes(op: StepOp, shape: StepShape): boolean {
  return op.rows === 'logits' || shape.decode;
}

/** Dispatches an op makes in a step of this shape under this kernel set. */
export function opDispatches(op: StepOp, k: KernelSet, shape: StepShape): number {
  if (!op.matrix) return 1;
  const rows = opRowCount(op, shape);
  const gemmRows = gemmRowsOf(k, rows, opDecodes(op, shape));
  return (gemmRows > 0 ? 1 : 0) + (rows > gemmRows ? gemvDispatches(k) : 0);
}

/** Dispatches of a whole step: what the GPU model encodes, and what the cost model charges overhead for. */
export function stepDispatches(ops: readonly StepOp[], k: KernelSet, shape: StepShape): number {
  return ops.reduce((a, op) => a + opDispatches(op, k, shape), 0);
}

/**
 * The model's step, kernel by kernel: the embedding gather; per layer RMSNorm, the fused
 * Q|K|V matmul (then its bias, Qwen2, or the per-head norm of Q and K, Qwen3), RoPE, the
 * KV-cache write, attention, the output projection, the residual add, RMSNorm, the fused
 * gate|up matmul, SwiGLU, the down projection and the residual add; then the final norm of the logit rows, the LM head and argmax.
 */
export function stepOps(c: ModelConfig): StepOp[] {
  const { dModel: D, heads: H, kvHeads: Hkv, headDim: Dh, ffnDim: F, vocab: V } = c;
  const Nqkv = qkvWidth(c);
  const kvw = Hkv * Dh;
  const T = (seqs: readonly SeqShape[]) => seqs.reduce((a, s) => a + s.newTokens, 0);
  const elementwise = (
    part: OpPart,
    name: OpName,
    bytesPerRow: number,
    flopsPerRow: number,
    layer?: number,
    rows: 'step' | 'logits' = 'step',
  ): StepOp => ({
    part,
    name,
    layer,
    rows,
    work: (seqs) => {
      const n = rows === 'logits' ? seqs.length : T(seqs);
      return { bytes: n * bytesPerRow, flops: n * flopsPerRow, weightBytes: 0 };
    },
  });
  const matmul = (
    part: OpPart & OpName,
    which: MatrixRef['which'],
    K: number,
    N: number,
    layer?: number,
    rows: 'step' | 'logits' = 'step',
  ): StepOp => ({
    part,
    name: part,
    layer,
    rows,
    matrix: { which, K, N },
    work: (seqs, dtype) => {
      const n = rows === 'logits' ? seqs.length : T(seqs);
      const weightBytes = K * N * bytesPerWeight(dtype);
      return { bytes: weightBytes + n * (K + N) * 4, flops: 2 * n * K * N, weightBytes };
    },
  });
  // Each sequence's cached keys and values are read once per layer; every new row attends to
  // its own context (c + its offset among the new rows + 1).
  const attention = (layer: number): StepOp => ({
    part: 'attention',
    name: 'attention',
    layer,
    rows: 'step',
    work: (seqs) => {
      const pairs = seqs.reduce((a, s) => a + s.newTokens * s.context + (s.newTokens * (s.newTokens + 1)) / 2, 0);
      const kvRead = seqs.reduce((a, s) => a + (s.context + s.newTokens) * kvw * 2 * 4, 0);
      return { bytes: kvRead + T(seqs) * (Nqkv + H * Dh) * 4, flops: 4 * H * Dh * pairs, weightBytes: 0 };
    },
  });
  const ops: StepOp[] = [
    {
      part: 'embedding',
      name: 'embedding',
      rows: 'step',
      work: (seqs, dtype) => ({ bytes: T(seqs) * D * (bytesPerWeight(dtype) + 4), flops: 0, weightBytes: 0 }),
    },
  ];
  for (let l = 0; l < c.layers; l++)
    ops.push(
      elementwise('attn_norm', 'rmsnorm', D * 8, 2 * D, l),
      matmul('qkv', 'qkv', D, Nqkv, l),
      ...(c.qkvBias ? [elementwise('qkv_bias', 'bias_add', Nqkv * 8, Nqkv, l)] : []),
      ...(c.qkNorm ? [elementwise('qk_norm', 'qk_norm', (H + Hkv) * Dh * 8, 3 * (H + Hkv) * Dh, l)] : []),
      elementwise('rope', 'rope', (H + Hkv) * Dh * 8, 3 * (H + Hkv) * Dh, l),
      elementwise('kv_write', 'kv_write', kvw * 2 * 8, 0, l),
      attention(l),
      matmul('o_proj', 'o', H * Dh, D, l),
      elementwise('add_attn', 'residual', D * 12, D, l),
      elementwise('mlp_norm', 'rmsnorm', D * 8, 2 * D, l),
      matmul('gate_up', 'gateUp', D, 2 * F, l),
      elementwise('swiglu', 'swiglu', 3 * F * 4, 4 * F, l),
      matmul('down', 'down', F, D, l),
      elementwise('add_mlp', 'residual', D * 12, D, l),
    );
  ops.push(
    elementwise('final_norm', 'final_norm', D * 8, 2 * D, undefined, 'logits'),
    matmul('lm_head', 'head', D, V, undefined, 'logits'),
    elementwise('argmax', 'argmax', V * 4, V, undefined, 'logits'),
  );
  return ops;
}
