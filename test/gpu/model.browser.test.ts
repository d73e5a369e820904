import { describe, expect, it } from 'vitest';
import { preset } from '../../src/model/config.js';
import { ropeFactorsLlama3 } from '../../src/numeric/rope-table.js';
import { generate } from '../../src/model/generate.js';
import { GpuModel } from '../../src/model/gpu-model.js';
import { encode } from '../../src/model/tokenizer.js';
import { syntheticWeights } from '../../src/model/weights.js';
import { CpuModel } from '../../src/ref/forward.js';
import { stepOps } from '../../src/model/step-ops.js';
import { stepCost } from '../../src/perf/cost-model.js';
import { LOGIT_TOL, relErr } from '../../src/ref/compare.js';
import type { GpuContext } from '../../src/gpu/context.js';
import type { KernelSet } from '../../src/kernels/kernel-set.js';
import { bits, gpu, kernelsFor, manyCoreKernels } from './helpers.js';

// With the kernels this adapter gets and with those many-core GPUs get (src/kernels/kernel-set.ts).
const KERNELS: [string, (ctx: GpuContext) => KernelSet][] = [
  ['own', (ctx) => kernelsFor(ctx)],
  ['many-core', manyCoreKernels],
];

describe.each(KERNELS.flatMap(([k, tune]) => (['f32', 'f16'] as const).map((dtype) => ({ k, tune, dtype }))))(
  'tiny model, $dtype weights, $k kernels: GPU logits match the CPU reference',
  ({ tune, dtype }) => {
    it.each([
      { prompt: 'Hello, WebGPU!', maxRows: 256, label: 'whole prompt in one step' },
      { prompt: 'A prompt long enough to be split into chunks of seven rows.', maxRows: 7, label: 'chunked prefill' },
    ])('$label: every prefill row and 20 teacher-forced decode steps', async ({ prompt, maxRows }) => {
      const ctx = await gpu();
      const weights = syntheticWeights(preset('tiny'), dtype, 42);
      const V = weights.config.vocab;
      const model = await GpuModel.create(ctx, weights, { maxRows, kernels: tune(ctx) });
      const cpu = new CpuModel(weights);
      const ids = encode(prompt);
      const wantPrefill = cpu.forward(ids);
      for (let start = 0; start < ids.length; start += maxRows) {
        const chunk = ids.slice(start, start + maxRows);
        const rows = chunk.map((_, i) => i);
        const out = await model.step(
          { tokens: chunk, positions: rows.map((i) => start + i), logitRows: rows, phase: 'prefill' },
          { readLogits: true },
        );
        const want = wantPrefill.subarray(start * V, (start + chunk.length) * V);
        expect(relErr(out.logits!, want), `prefill rows ${start}..`).toBeLessThan(LOGIT_TOL);
      }
      // Teacher forcing: both sides are fed the same tokens (a fixed text), so a
      // near-tie in argmax cannot make the two runs diverge.
      const forced = encode(' teacher-forced tokens!').slice(1, 21);
      expect(forced.length).toBe(20);
      for (let i = 0; i < forced.length; i++) {
        const want = cpu.forward([forced[i]!]);
        const out = await model.step(
          { tokens: [forced[i]!], positions: [ids.length + i], phase: 'decode', logitRows: [0] },
          { readLogits: true },
        );
        expect(relErr(out.logits!, want), `decode step ${i}`).toBeLessThan(LOGIT_TOL);
      }
      model.destroy();
    });
  },
);

describe('greedy generation', () => {
  it.each([
    ['tiny', 'f32', 'The quick brown fox'],
    ['tiny', 'f16', 'jumps over the lazy dog'],
    ['small', 'f32', 'Serving is a systems problem.'],
    ['small', 'f16', '0123456789'],
  ] as const)('%s %s: GPU tokens equal CPU tokens for %j', async (name, dtype, text) => {
    const ctx = await gpu();
    const weights = syntheticWeights(preset(name), dtype, 7);
    const model = await GpuModel.create(ctx, weights);
    const prompt = encode(text);
    const gpuOut = await generate(model, prompt, { maxTokens: 24 });
    const cpuOut = new CpuModel(weights).generate(prompt, 24);
    expect(gpuOut.tokens).toEqual(cpuOut);
    expect(gpuOut.tokens).toHaveLength(24);
    model.destroy();
  });
});

describe('checkpoints on the GPU', () => {
  it.each(['f32', 'f16'] as const)('an %s safetensors file gives the same logits as the same weights made in memory', async (dtype) => {
    const { saveCheckpoint, loadCheckpoint } = await import('../../src/model/checkpoint.js');
    const ctx = await gpu();
    const weights = syntheticWeights(preset('tiny'), dtype, 11);
    const loaded = await loadCheckpoint(saveCheckpoint(weights));
    expect(loaded.dtype).toBe(dtype);
    const ids = encode('same logits');
    const rows = ids.map((_, i) => i);
    const run = async (w: typeof weights) => {
      const m = await GpuModel.create(ctx, w);
      const out = await m.step({ tokens: ids, positions: rows, logitRows: rows, phase: 'prefill' }, { readLogits: true });
      m.destroy();
      return out.logits!;
    };
    const a = await run(weights);
    const b = await run(loaded);
    expect(new Uint32Array(b.buffer)).toEqual(new Uint32Array(a.buffer));
  });
});

describe('f16 weights packed shifted', () => {
  it("give the logits of plain f16 bit for bit (f16Unpack 'bits' against 'builtin'), prefill and decode", async () => {
    const ctx = await gpu();
    const weights = syntheticWeights(preset('tiny'), 'f16', 5);
    const ids = encode('shifted f16');
    const rows = ids.map((_, i) => i);
    const run = async (kernels: KernelSet) => {
      const m = await GpuModel.create(ctx, weights, { kernels });
      const prefill = await m.step({ tokens: ids, positions: rows, logitRows: rows, phase: 'prefill' }, { readLogits: true });
      const decode = await m.step({ tokens: [66], positions: [ids.length], logitRows: [0], phase: 'decode' }, { readLogits: true });
      m.destroy();
      return [prefill.logits!, decode.logits!].map((l) => Array.from(new Uint32Array(l.buffer)));
    };
    const shifted = await run(kernelsFor(ctx, { f16Unpack: 'bits' }));
    const plain = await run(kernelsFor(ctx, { f16Unpack: 'builtin' }));
    expect(shifted).toEqual(plain);
  });
});

describe('the step list', () => {
  // Shapes that take every route through the matmuls: GEMV alone, GEMM alone, GEMM and a GEMV tail.
  const SHAPES = [
    { rows: 1, logitRows: 1, decode: true },
    { rows: 3, logitRows: 3, decode: true },
    { rows: 16, logitRows: 16, decode: true },
    { rows: 17, logitRows: 17, decode: true },
    { rows: 33, logitRows: 33, decode: true },
    { rows: 1, logitRows: 1, decode: false },
    { rows: 7, logitRows: 1, decode: false },
    { rows: 33, logitRows: 2, decode: false },
    { rows: 64, logitRows: 1, decode: false },
    { rows: 65, logitRows: 20, decode: false },
  ];

  it.each(KERNELS)(
    '%s kernels: the dispatches a step encodes are the ones the cost model charges, shape by shape',
    async (_, kernelsOf) => {
      const ctx = await gpu();
      const kernels = kernelsOf(ctx);
      const weights = syntheticWeights(preset('tiny'), 'f32', 3);
      const model = await GpuModel.create(ctx, weights, { maxRows: 65, maxSeqs: 1, kernels });
      const rates = { readGBps: 1, fmaGflops: 1, dispatchOverheadUs: 1 };
      for (const shape of SHAPES) {
        const enc = ctx.device.createCommandEncoder();
        const pass = enc.beginComputePass();
        let dispatches = 0;
        const counting = new Proxy(pass, {
          get(target, key) {
            if (key === 'dispatchWorkgroups') dispatches++;
            const v = Reflect.get(target, key) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        });
        const ops: string[] = [];
        model.encodeForward((op) => {
          ops.push(op.name);
          return counting;
        }, shape);
        pass.end();
        enc.finish();
        const what = JSON.stringify(shape);
        expect(ops, what).toEqual(stepOps(weights.config).map((op) => op.name));
        expect(model.dispatchesPerStep(shape), what).toBe(dispatches);
        // The cost model of the same step: one sequence per logit row, the rows spread over them.
        const seqs = Array.from({ length: shape.logitRows }, (_, i) => ({
          newTokens: shape.decode ? 1 : i === 0 ? shape.rows - shape.logitRows + 1 : 1,
          context: 4,
          decode: shape.decode,
        }));
        expect(stepCost(weights.config, 'f32', kernels, seqs, rates).dispatches, what).toBe(dispatches);
      }
      model.destroy();
    },
  );
});

// The ops other families add, each on a tiny model: Qwen2's Q|K|V biases, Qwen3's per-head
// Q/K norm (with Dh * H != D, as Qwen3's configs have), Llama 3's scaled RoPE with a tied head.
describe.each([
  { family: 'qwen2', extra: { qkvBias: true } },
  { family: 'qwen3', extra: { qkNorm: true, headDim: 24 } },
  {
    family: 'llama3',
    extra: {
      tiedEmbeddings: true,
      ropeTheta: 500000,
      ropeFactors: ropeFactorsLlama3(16, 500000, { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 64 }),
    },
  },
])('tiny $family-style model: GPU logits match the CPU reference', ({ extra }) => {
  it.each(KERNELS)('%s kernels, prefill of 13 rows and 6 decode steps', async (_, kernelsOf) => {
    const ctx = await gpu();
    const weights = syntheticWeights({ ...preset('tiny'), ...extra }, 'f32', 8);
    const V = weights.config.vocab;
    const model = await GpuModel.create(ctx, weights, { kernels: kernelsOf(ctx) });
    const cpu = new CpuModel(weights);
    const ids = encode('Hello, world');
    const rows = ids.map((_, i) => i);
    const out = await model.step({ tokens: ids, positions: rows, logitRows: rows, phase: 'prefill' }, { readLogits: true });
    expect(relErr(out.logits!, cpu.forward(ids)), 'prefill').toBeLessThan(LOGIT_TOL);
    for (let i = 0; i < 6; i++) {
      const t = (i * 37) % V;
      const step = await model.step({ tokens: [t], positions: [ids.length + i], phase: 'decode' }, { readLogits: true });
      expect(relErr(step.logits!, cpu.forward([t])), `decode step ${i}`).toBeLessThan(LOGIT_TOL);
    }
    model.destroy();
  });
});

describe('a model uploaded as it is read from its file', () => {
  it('gives the logits of the same file read whole, bit for bit, and fails cleanly when the file does', async () => {
    const { openGguf, loadGguf } = await import('../../src/load/gguf-model.js');
    const { memorySource } = await import('../../src/load/byte-source.js');
    const { ggufModelFile } = await import('../../src/load/write-model.js');
    const ctx = await gpu();
    const weights = syntheticWeights({ ...preset('tiny'), qkvBias: true }, 'f16', 21);
    // A byte vocabulary as a GGUF holds one: 256 bytes, then BOS and EOS.
    const tokens = [...Array.from({ length: 256 }, (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`), '<s>', '</s>'];
    const vocab = {
      model: 'llama' as const,
      tokens,
      types: tokens.map((_, i) => (i < 256 ? 6 : 3)),
      scores: tokens.map(() => 0),
      bosId: 256,
      eosId: 257,
      addBos: true,
    };
    const file = ggufModelFile(weights, { family: 'qwen2', vocab });
    const ids = encode('read as uploaded');
    const rows = ids.map((_, i) => i);
    const logits = async (w: Parameters<typeof GpuModel.create>[1]) => {
      const m = await GpuModel.create(ctx, w);
      const out = await m.step({ tokens: ids, positions: rows, logitRows: rows, phase: 'prefill' }, { readLogits: true });
      m.destroy();
      return out.logits!;
    };
    const whole = await logits((await loadGguf(memorySource(file))).weights);
    const opened = await openGguf(memorySource(file));
    expect(bits(await logits(opened.weights))).toEqual(bits(whole));
    // A file that fails half way through the upload (a disk error, a File the user replaced)
    // fails the model's creation with that error.
    const src = memorySource(file);
    let reads = 0;
    const failing = { ...src, read: (o: number, l: number) => (++reads > 12 ? Promise.reject(new Error('disk gone')) : src.read(o, l)) };
    const half = await openGguf(failing);
    await expect(GpuModel.create(ctx, half.weights)).rejects.toThrow('disk gone');
  });
});
