import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateCommand } from '../../bench/cli/generate.js';
import { verifyCommand } from '../../bench/cli/verify.js';
import { saveCheckpoint } from '../../src/model/checkpoint.js';
import { preset } from '../../src/model/config.js';
import { syntheticWeights } from '../../src/model/weights.js';
import { LOGIT_TOL, relErr } from '../../src/ref/compare.js';
import { CpuModel } from '../../src/ref/forward.js';
import { ok, run, runWith } from './commands.js';

// npm run generate in the browser runtime (the shared browser: setup.ts) and the Node one
// (Dawn, in this process), against the CPU reference and each other; one file, so their
// browser halves share the runner page and its compiled kernels.

/** `npm run generate -- ...args`, in-process: exit code, stdout and stderr. */
const generate = (...args: string[]) => run(generateCommand, ...args);

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
    ['--model', 'tiny', '--dtype', 'f16', '--seed', '2024', '--prompt', 'Untuned prompt: ¿qué tal?', '--max-tokens', '20'],
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

const exec = promisify(execFile);
const generateOk = (...args: string[]) => ok(generateCommand, ...args);

// Logits against the CPU reference within LOGIT_TOL (src/ref/compare.ts); runtimes exactly.
const PROMPT = [256, 72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100];
const SEED = 77;

describe('the Node runtime (Dawn)', () => {
  it.each(['f32', 'f16'] as const)(
    "tiny model, %s: prompt logits within tolerance of the CPU reference and bit for bit the browser runtime's",
    async (dtype) => {
      const args = ['--model', 'tiny', '--dtype', dtype, '--seed', String(SEED), '--tokens', PROMPT.join(','), '--prompt-logits'];
      const node = JSON.parse(await generateOk(...args, '--runtime', 'node'));
      const browser = JSON.parse(await generateOk(...args, '--runtime', 'browser'));
      expect(node.runtime).toBe('node');
      expect(node.logitBits).toEqual(browser.logitBits);
      const got = new Float32Array(new Uint32Array(node.logitBits).buffer);
      const cpu = new CpuModel(syntheticWeights(preset('tiny'), dtype, SEED));
      // The reference returns every row's logits for the prompt it is fed.
      expect(relErr(got, cpu.forward(PROMPT))).toBeLessThan(LOGIT_TOL);
    },
  );

  it("generates the CPU reference's greedy tokens", async () => {
    const args = ['--model', 'tiny', '--seed', String(SEED), '--tokens', PROMPT.join(','), '--max-tokens', '12', '--json'];
    const node = JSON.parse(await generateOk(...args, '--runtime', 'node'));
    const cpu = JSON.parse(await generateOk(...args, '--backend', 'cpu'));
    expect(node.runtime).toBe('node');
    expect(node.tokens).toEqual(cpu.tokens);
  });

  it('verify: the offline bundle checks the model against the CPU reference on this adapter', async () => {
    // scripts/offline-bundle.mjs is how the Node runtime reaches GPU servers without a
    // registry; its verify command is what runs first there. A process of its own: the
    // bundle is what is tested.
    const dir = await mkdtemp(join(tmpdir(), 'offline-'));
    try {
      await exec('node', ['scripts/offline-bundle.mjs', dir]);
      const args = [
        '--runtime',
        'node',
        '--model',
        'tiny',
        '--dtype',
        'f32',
        '--prompt-lengths',
        '1,65',
        '--tokens',
        '6',
        '--batch',
        '5',
        '--json',
      ];
      const { stdout } = await exec('node', [join(dir, 'verify.mjs'), ...args], { maxBuffer: 1 << 24 });
      const out = JSON.parse(stdout);
      expect(out.failed).toBe(0);
      expect(out.rows.map((r: { check: string }) => r.check)).toEqual([
        'prompt logits, 1 rows',
        'prompt logits, 65 rows',
        'greedy tokens, one sequence',
        'greedy tokens, 5 requests batched',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("verify refuses a prompt length past the model's context before starting anything", async () => {
    const r = await run(verifyCommand, '--runtime', 'node', '--model', 'tiny', '--prompt-lengths', '3,300');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--prompt-lengths: 300 tokens is past tiny's context of 256/);
  });

  it('says what to install when no Vulkan driver gives an adapter', async () => {
    const before = process.env.VK_ICD_FILENAMES;
    process.env.VK_ICD_FILENAMES = '/nonexistent/icd.json';
    try {
      // A fresh Dawn instance, as a command run on its own starts, sees the driver set here.
      const r = await runWith({}, generateCommand, '--model', 'tiny', '--prompt', 'x', '--max-tokens', '2', '--runtime', 'node');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/error \[NO_ADAPTER\].*libvulkan1/);
    } finally {
      if (before === undefined) delete process.env.VK_ICD_FILENAMES;
      else process.env.VK_ICD_FILENAMES = before;
    }
  });
});
