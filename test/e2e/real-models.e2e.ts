import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchCommand } from '../../bench/cli/bench.js';
import { generateCommand } from '../../bench/cli/generate.js';
import { ARCHS, containers, ggufOf, tinyReal } from '../support/real-models.js';
import { run } from './commands.js';

// Real models through `npm run generate --chat`: a Hugging Face folder and the GGUF made from
// it give the same prompt and reply, and the GPU (the shared browser) the CPU reference's,
// which test/unit/real-models.test.ts holds to llama.cpp on the same files. Llama 2 chat's
// template writes the BOS itself; every family's GPU logits are held to the reference in
// test/gpu/model.browser.test.ts.

/** `npm run generate -- ...args --json`'s result. */
async function generateJson(...args: string[]): Promise<{ promptIds: number[]; tokens: number[]; text: string; finish: string }> {
  const r = await run(generateCommand, ...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as never;
}

describe('real models with npm run generate', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'real-models-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('--chat on a folder and on its GGUF: the same prompt ids and reply, on the GPU as on the CPU reference', async () => {
    const a = ARCHS.find((x) => x.arch === 'llama2')!;
    const { folder, gguf } = containers(a, tinyReal(a, 'f32'));
    const folderDir = join(dir, 'llama2-folder');
    await mkdir(folderDir);
    for (const n of folder.names()) {
      const src = await folder.source(n);
      await writeFile(join(folderDir, n), await src.read(0, src.size));
    }
    const file = join(dir, 'llama2.gguf');
    await writeFile(file, gguf);
    const args = ['--chat', '--system', 'Be brief.', '--prompt', 'Hi 👋', '--max-tokens', '12', '--ignore-eos'];
    const gpu = await generateJson('--model', file, ...args);
    const cpuGguf = await generateJson('--model', file, ...args, '--backend', 'cpu');
    const cpuFolder = await generateJson('--model', folderDir, ...args, '--backend', 'cpu');
    expect(cpuFolder.promptIds).toEqual(cpuGguf.promptIds);
    expect(cpuFolder.tokens).toEqual(cpuGguf.tokens);
    expect(gpu.promptIds).toEqual(cpuGguf.promptIds);
    expect(gpu.tokens).toEqual(cpuGguf.tokens);
    expect(gpu.tokens).toHaveLength(12);
    expect(gpu.text).toBe(cpuGguf.text);
    // One BOS, the template's: the tokenizer adds none of its own to a rendered template.
    expect(gpu.promptIds.filter((t) => t === 1)).toEqual([1]);
    expect(gpu.promptIds[0]).toBe(1);
  });

  it('npm run bench -- --model FILE.gguf runs the engine suites on it', async () => {
    const a = ARCHS.find((x) => x.arch === 'llama2')!;
    const file = join(dir, 'bench-llama2.gguf');
    await writeFile(file, ggufOf(a, tinyReal(a, 'f16')));
    const out = join(dir, 'bench');
    const r = await run(benchCommand, '--model', file, '--suite', 'decode', '--quick', '--runtime', 'node', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'decode.json'), 'utf8')) as {
      rows: { model: string; dtype: string; tokensPerSec: number }[];
    };
    // One row: a real model runs in the dtype its file holds.
    expect(json.rows.map((x) => [x.model, x.dtype])).toEqual([['/model/bench-llama2.gguf', 'f16']]);
    expect(json.rows[0]!.tokensPerSec).toBeGreaterThan(0);
  });

  it('names what is wrong with a model path', async () => {
    const bad = join(dir, 'bad.gguf');
    await writeFile(bad, new TextEncoder().encode('GGUF but not really'));
    const r = await run(generateCommand, '--model', bad, '--prompt', 'x', '--backend', 'cpu');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/BAD_WEIGHTS|GGUF/);
  });
});
