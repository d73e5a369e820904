import { ContextOverflowError, InvalidRequestError } from '../errors.js';
import type { ModelConfig } from './config.js';

/**
 * Checks a generation request before any work: a non-empty prompt of valid ids,
 * maxTokens >= 1, and room in the context for the prompt plus every new token.
 */
export function checkRequest(config: ModelConfig, prompt: readonly number[], maxTokens: number): void {
  if (prompt.length === 0) throw new InvalidRequestError('The prompt is empty: give at least one token (the byte tokenizer adds BOS).');
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new InvalidRequestError(`maxTokens must be a whole number >= 1, got ${maxTokens}.`);
  const bad = prompt.find((t) => !Number.isInteger(t) || t < 0 || t >= config.vocab);
  if (bad !== undefined) throw new InvalidRequestError(`Token id ${bad} is outside the vocabulary (0..${config.vocab - 1}).`);
  if (prompt.length > config.contextLength) throw new ContextOverflowError(prompt.length, 0, config.contextLength);
  if (prompt.length + maxTokens > config.contextLength) throw new ContextOverflowError(prompt.length, maxTokens, config.contextLength);
}
