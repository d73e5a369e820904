import { describe, expect, it } from 'vitest';
import { ContextOverflowError, InvalidRequestError, LimitExceededError } from '../../src/errors.js';
import { preset } from '../../src/model/config.js';
import { generate } from '../../src/model/generate.js';
import { GpuModel } from '../../src/model/gpu-model.js';
import { syntheticWeights } from '../../src/model/weights.js';
import { gpu } from './helpers.js';

describe('bad input on the GPU path', () => {
  it('a config larger than the device allows is refused before any upload', async () => {
    const ctx = await gpu();
    const w = syntheticWeights(preset('tiny'));
    // Claim a vocabulary whose head would need more than one storage binding.
    const huge = { ...w, config: { ...w.config, vocab: Math.ceil(ctx.device.limits.maxStorageBufferBindingSize / (4 * 64)) + 8 } };
    await expect(GpuModel.create(ctx, huge)).rejects.toThrow(LimitExceededError);
  });

  it('a prompt longer than the context, or max tokens past it, is refused', async () => {
    const ctx = await gpu();
    const model = await GpuModel.create(ctx, syntheticWeights({ ...preset('tiny'), contextLength: 32 }));
    await expect(generate(model, Array(33).fill(65), { maxTokens: 1 })).rejects.toThrow(ContextOverflowError);
    await expect(generate(model, Array(30).fill(65), { maxTokens: 3 })).rejects.toThrow(ContextOverflowError);
    await expect(generate(model, [], { maxTokens: 3 })).rejects.toThrow(InvalidRequestError);
    // The model is still usable afterwards: nothing was half-done.
    expect((await generate(model, Array(30).fill(65), { maxTokens: 2 })).tokens).toHaveLength(2);
    model.destroy();
  });
});

describe('a lost device', () => {
  it('makes the next step fail with DeviceLostError instead of hanging or returning garbage', async () => {
    const { acquireGpu } = await import('../../src/gpu/device.js');
    const { DeviceLostError } = await import('../../src/errors.js');
    const ctx = await acquireGpu(); // its own device: this test destroys it
    const model = await GpuModel.create(ctx, syntheticWeights(preset('tiny')));
    expect((await model.step({ tokens: [256, 65], positions: [0, 1], phase: 'prefill' })).ids).toHaveLength(1);
    ctx.device.destroy();
    await ctx.device.lost;
    expect(ctx.lost).toBe(true);
    await expect(model.step({ tokens: [66], positions: [2], phase: 'decode' })).rejects.toThrow(DeviceLostError);
    await expect(model.step({ tokens: [66], positions: [2], phase: 'decode' })).rejects.toThrow(/Recreate the engine/);
  });
});
