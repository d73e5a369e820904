import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { preset } from '../../src/model/config.js';
import { syntheticWeights } from '../../src/model/weights.js';
import { CpuModel } from '../../src/ref/forward.js';
import { LOGIT_TOL, relErr } from '../../src/ref/compare.js';

const run = promisify(execFile);
const generate = async (...args: string[]) => (await run('npm', ['run', '-s', 'generate', '--', ...args], { maxBuffer: 1 << 26 })).stdout;

// Logits against the CPU reference within LOGIT_TOL (src/ref/compare.ts); runtimes exactly.
const PROMPT = [256, 72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100];
const SEED = 77;

describe('the Node runtime (Dawn)', () => {
  it.each(['f32', 'f16'] as const)(
    "tiny model, %s: prompt logits within tolerance of the CPU reference and bit for bit the browser runtime's",
    async (dtype) => {
      const args = ['--model', 'tiny', '--dtype', dtype, '--seed', String(SEED), '--tokens', PROMPT.join(','), '--prompt-logits'];
      const node = JSON.parse(await generate(...args, '--runtime', 'node'));
      const browser = JSON.parse(await generate(...args, '--runtime', 'browser'));
      expect(node.runtime).toBe('node');
      expect(node.logitBits).toEqual(browser.logitBits);
      const got = new Float32Array(new Uint32Array(node.logitBits).buffer);
      const cpu = new CpuModel(syntheticWeights(preset('tiny'), dtype, SEED));
      const want = new Float32Array(PROMPT.length * node.vocab);
      // The reference returns every row's logits for the prompt it is fed.
      want.set(cpu.forward(PROMPT));
      expect(relErr(got, want)).toBeLessThan(LOGIT_TOL);
    },
  );

  it("generates the CPU reference's greedy tokens", async () => {
    const args = ['--model', 'tiny', '--seed', String(SEED), '--tokens', PROMPT.join(','), '--max-tokens', '12', '--json'];
    const node = JSON.parse(await generate(...args, '--runtime', 'node'));
    const cpu = JSON.parse(await generate(...args, '--backend', 'cpu'));
    expect(node.runtime).toBe('node');
    expect(node.tokens).toEqual(cpu.tokens);
  });

  it('verify: the offline bundle checks the model against the CPU reference on this adapter', async () => {
    // scripts/offline-bundle.mjs is how the Node runtime reaches GPU servers without a
    // registry; its verify command is what runs first there.
    const dir = await mkdtemp(join(tmpdir(), 'offline-'));
    try {
      await run('node', ['scripts/offline-bundle.mjs', dir]);
      const { stdout } = await run(
        'node',
        [
          join(dir, 'verify.mjs'),
          '--runtime',
          'node',
          '--model',
          'tiny',
          '--prompt-lengths',
          '1,65',
          '--tokens',
          '6',
          '--batch',
          '5',
          '--json',
        ],
        { maxBuffer: 1 << 24 },
      );
      const out = JSON.parse(stdout);
      expect(out.failed).toBe(0);
      // Two prompt lengths, one sequence and one batch, for each of f32 and f16.
      expect(out.rows.map((r: { check: string }) => r.check)).toEqual(
        [...Array(2)].flatMap(() => [
          'prompt logits, 1 rows',
          'prompt logits, 65 rows',
          'greedy tokens, one sequence',
          'greedy tokens, 5 requests batched',
        ]),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("verify refuses a prompt length past the model's context before starting anything", async () => {
    const r = await run('npm', ['run', '-s', 'verify', '--', '--runtime', 'node', '--model', 'tiny', '--prompt-lengths', '3,300']).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--prompt-lengths: 300 tokens is past tiny's context of 256/);
  });

  it('says what to install when no Vulkan driver gives an adapter', async () => {
    const env = { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json' };
    let r: { code: number; stderr: string };
    try {
      await run('npm', ['run', '-s', 'generate', '--', '--model', 'tiny', '--prompt', 'x', '--max-tokens', '2', '--runtime', 'node'], {
        env,
      });
      r = { code: 0, stderr: '' };
    } catch (e) {
      r = e as { code: number; stderr: string };
    }
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[NO_ADAPTER\].*libvulkan1/);
  });
});
