import type { GpuModel } from './gpu-model.js';
import { checkRequest } from './request.js';

export interface GenerateOptions {
  maxTokens: number;
  /** Stop after emitting any of these ids (the model's EOS and end-of-turn tokens). */
  stopIds?: readonly number[];
  /** KV cache slot to use. */
  seq?: number;
  /** Called with each token as it is made (streaming); returning false stops generation there. */
  onToken?: (id: number) => boolean | void;
}

export interface GenerateResult {
  tokens: number[];
  promptTokens: number;
  prefillMs: number;
  decodeMs: number;
  /** Tokens after the first one, over the decode time (the first comes from prefill). */
  decodeTokensPerSec: number;
}

const now = () => performance.now();

/**
 * Greedy generation on the GPU: the prompt goes through GEMM in chunks of
 * model.maxRows rows, then one token per step through GEMV. The loop reuses
 * its input arrays; each step allocates only the sampled id that comes back.
 */
export async function generate(model: GpuModel, prompt: readonly number[], options: GenerateOptions): Promise<GenerateResult> {
  checkRequest(model.config, prompt, options.maxTokens);
  const seq = options.seq ?? 0;
  const t0 = now();
  let ids: Uint32Array = new Uint32Array(0);
  for (let start = 0; start < prompt.length; start += model.maxRows) {
    const chunk = prompt.slice(start, start + model.maxRows);
    const positions = chunk.map((_, i) => start + i);
    ({ ids } = await model.step({
      tokens: chunk,
      positions,
      seqs: positions.map(() => seq),
      logitRows: [chunk.length - 1],
      phase: 'prefill',
    }));
  }
  const t1 = now();
  const out = [ids[0]!];
  let more = options.onToken?.(ids[0]!) !== false;
  const token = new Uint32Array(1);
  const position = new Uint32Array(1);
  const seqs = Uint32Array.of(seq);
  const logitRows = Uint32Array.of(0);
  const input = { tokens: token, positions: position, seqs, logitRows, phase: 'decode' as const };
  const stops = options.stopIds ?? [];
  while (more && out.length < options.maxTokens && !stops.includes(out[out.length - 1]!)) {
    token[0] = out[out.length - 1]!;
    position[0] = prompt.length + out.length - 1;
    const next = (await model.step(input)).ids[0]!;
    out.push(next);
    more = options.onToken?.(next) !== false;
  }
  const t2 = now();
  const decoded = out.length - 1;
  return {
    tokens: out,
    promptTokens: prompt.length,
    prefillMs: t1 - t0,
    decodeMs: t2 - t1,
    decodeTokensPerSec: decoded > 0 ? (decoded * 1000) / (t2 - t1) : 0,
  };
}
