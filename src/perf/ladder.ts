import { BYTE_VOCAB, type ModelConfig } from '../model/config.js';

/**
 * Model shapes for the decode sweep: two layers of width D with 64-wide heads
 * (half as many KV heads) and F = 2.75 D, so the weights grow as about 22.5 D^2
 * parameters: D = 64 is about 0.4 MiB of f32 weights, D = 2048 about 360 MiB.
 */
export function ladderConfig(D: number, contextLength = 128): ModelConfig {
  const heads = Math.max(1, D / 64);
  return {
    name: `ladder-${D}`,
    layers: 2,
    dModel: D,
    heads,
    kvHeads: Math.max(1, heads / 2),
    headDim: Math.min(64, D),
    ffnDim: Math.round((2.75 * D) / 8) * 8,
    vocab: BYTE_VOCAB,
    contextLength,
    ropeTheta: 10000,
    normEps: 1e-5,
  };
}

export const LADDER_WIDTHS = [64, 128, 256, 512, 1024, 1536, 2048];
export const LADDER_WIDTHS_QUICK = [64, 256, 512, 1024];
