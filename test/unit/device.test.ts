import { describe, expect, it } from 'vitest';
import { LimitExceededError, NoAdapterError } from '../../src/errors.js';
import { acquireGpu } from '../../src/gpu/device.js';
import { preset } from '../../src/model/config.js';
import { checkFitsDevice } from '../../src/model/limits.js';

describe('acquiring a GPU', () => {
  it('without WebGPU at all, says how to get it', async () => {
    await expect(acquireGpu()).rejects.toThrow(NoAdapterError);
    await expect(acquireGpu()).rejects.toThrow(/--enable-unsafe-webgpu/);
  });

  it('when no adapter is offered, says so', async () => {
    const gpu = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;
    await expect(acquireGpu({ gpu })).rejects.toThrow(/requestAdapter\(\) returned null/);
  });
});

describe('fitting a model to the device', () => {
  const big = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30 };
  it('accepts the presets on a 1 GiB binding limit', () => {
    for (const name of ['tiny', 'small', 'medium', 'large'])
      expect(() => checkFitsDevice(preset(name), 'f32', big, preset(name).contextLength / 16, 256)).not.toThrow();
  });

  it('names the first buffer that does not fit, with the numbers', () => {
    const small = { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 30 };
    expect(() => checkFitsDevice(preset('small'), 'f32', small, 32, 64)).toThrow(LimitExceededError);
    expect(() => checkFitsDevice(preset('small'), 'f32', small, 32, 64)).toThrow(
      /gate\|up.*needs maxStorageBufferBindingSize >= 1409024, but this device allows 1048576/,
    );
  });

  it('counts f16 weights at half the bytes', () => {
    const limit = { maxStorageBufferBindingSize: 600_000, maxBufferSize: 1 << 30 };
    const c = { ...preset('tiny'), dModel: 256, ffnDim: 256, heads: 8, kvHeads: 8, headDim: 32, vocab: 258 };
    expect(() => checkFitsDevice(c, 'f32', limit, 16, 16)).toThrow(/qkv/);
    expect(() => checkFitsDevice(c, 'f16', limit, 16, 16)).not.toThrow();
  });

  it('checks the KV cache for its number of blocks', () => {
    const limit = { maxStorageBufferBindingSize: 64 << 20, maxBufferSize: 1 << 30 };
    expect(() => checkFitsDevice(preset('medium'), 'f32', limit, 64, 16)).not.toThrow();
    expect(() => checkFitsDevice(preset('medium'), 'f32', limit, 64 * 64, 16)).toThrow(/KV cache/);
  });
});
