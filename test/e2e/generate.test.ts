import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../src/model/checkpoint.js';
import { preset } from '../../src/model/config.js';
import { syntheticWeights } from '../../src/model/weights.js';

const run = promisify(execFile);

/** `npm run generate -- ...args`; resolves with exit code, stdout and stderr. */
async function generate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '-s', 'generate', '--', ...args], { maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function tokens(...args: string[]): Promise<number[]> {
  const r = await generate(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  expect(out.tokens.length).toBeGreaterThan(0);
  expect(typeof out.prefillMs).toBe('number');
  expect(typeof out.decodeTokensPerSec).toBe('number');
  expect(out.adapter.vendor).toBeTypeOf('string');
  expect(out.text).toBeTypeOf('string');
  return out.tokens;
}

describe('npm run generate', () => {
  it.each([
    ['--model', 'small', '--dtype', 'f16', '--seed', '2024', '--prompt', 'Untuned prompt: ¿qué tal?', '--max-tokens', '20'],
    ['--model', 'tiny', '--seed', '77', '--tokens', '256,10,20,30,200', '--max-tokens', '40'],
  ])('webgpu and cpu give the same greedy tokens (%s %s ...)', async (...args) => {
    const [gpuTokens, cpuTokens] = [await tokens(...args, '--backend', 'webgpu'), await tokens(...args, '--backend', 'cpu')];
    expect(gpuTokens).toEqual(cpuTokens);
  });

  it('runs a safetensors checkpoint on both backends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-'));
    const file = join(dir, 'tiny-f16.safetensors');
    writeFileSync(file, saveCheckpoint(syntheticWeights(preset('tiny'), 'f16', 31)));
    const args = ['--weights', file, '--prompt', 'from a file', '--max-tokens', '12'];
    expect(await tokens(...args, '--backend', 'webgpu')).toEqual(await tokens(...args, '--backend', 'cpu'));
  });

  it('prints text, ids and timings without --json', async () => {
    const r = await generate('--model', 'tiny', '--prompt', 'hi', '--max-tokens', '4', '--backend', 'cpu');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/text: /);
    expect(r.stdout).toMatch(/tokens: \d+,\d+,\d+,\d+/);
    expect(r.stdout).toMatch(/prefill: [\d.]+ ms\s+decode: [\d.]+ tokens\/s/);
  });

  it('refuses a hostile weights file with a clear error and exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-'));
    const file = join(dir, 'bad.safetensors');
    const head = new TextEncoder().encode('{"x": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}');
    const bytes = new Uint8Array(8 + head.length + 16);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(head.length), true);
    bytes.set(head, 8);
    writeFileSync(file, bytes);
    const r = await generate('--weights', file, '--prompt', 'x', '--backend', 'webgpu');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[BAD_WEIGHTS\].*bad-offsets/);
  });

  it('refuses --max-tokens past the context before starting a browser', async () => {
    const r = await generate('--model', 'tiny', '--prompt', 'x', '--max-tokens', '1000');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[CONTEXT_OVERFLOW\].*at most 254/);
  });

  it('refuses a --browser that is not an executable', async () => {
    const r = await generate('--model', 'tiny', '--prompt', 'x', '--max-tokens', '2', '--browser', '/etc/hostname');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[BROWSER\].*(not an executable|Could not start .* as Chromium)/);
  });
});
