import { describe, expect, it } from 'vitest';
import { preset } from '../../src/model/config.js';
import { GpuModel } from '../../src/model/gpu-model.js';
import { kvBlockBytes } from '../../src/model/kv-cache.js';
import { syntheticWeights } from '../../src/model/weights.js';
import { encode } from '../../src/model/tokenizer.js';
import { CpuModel } from '../../src/ref/forward.js';
import { Engine } from '../../src/serve/engine.js';
import { POLICY_NAMES } from '../../src/sched/policies/index.js';
import type { GpuContext } from '../../src/gpu/context.js';
import type { KernelSet } from '../../src/kernels/kernel-set.js';
import { gpu, manyCoreKernels } from './helpers.js';

const weights = syntheticWeights(preset('tiny'), 'f32', 21);

/** A mixed workload: short and long prompts (the long ones span several 32-row chunks). */
const PROMPTS = [
  encode('short'),
  encode('a medium prompt that is about forty bytes'),
  encode('x'),
  encode('a long prompt, long enough that a budget of 32 rows must split it into three chunks or more. '),
  encode('another one'),
  encode('the last, of moderate length'),
];
const OUT = [12, 5, 20, 8, 16, 3];

async function runAll(policy: string, budget = 32, kvTokens?: number, tune?: (ctx: GpuContext) => KernelSet) {
  const ctx = await gpu();
  const logits = new Map<string, Float32Array[]>();
  const engine = await Engine.create(ctx, weights, {
    kernels: tune?.(ctx),
    policy,
    maxSeqs: 4,
    tokenBudget: budget,
    kvTokens,
    onLogits: (id, l) => logits.set(id, [...(logits.get(id) ?? []), l]),
  });
  const handles = PROMPTS.map((tokens, i) => engine.submit({ tokens, maxTokens: OUT[i]! }));
  const results = await Promise.all(handles.map((h) => h.result));
  await engine.idle();
  const free = engine.scheduler.allocator.freeBlocks === engine.scheduler.allocator.totalBlocks;
  engine.destroy();
  return { results, logits: handles.map((h) => logits.get(h.id)!), free };
}

describe('serving on the GPU', () => {
  it('every policy returns every request complete, with the CPU reference tokens', async () => {
    const cpu = new CpuModel(weights);
    const want = PROMPTS.map((p, i) => cpu.generate(p, OUT[i]!));
    for (const policy of POLICY_NAMES) {
      const { results, free } = await runAll(policy);
      expect(results.map((r) => r.finishReason)).toEqual(OUT.map(() => 'length'));
      expect(
        results.map((r) => r.tokens),
        policy,
      ).toEqual(want);
      expect(free).toBe(true);
    }
  });

  it("a request's logits are bitwise identical under serial, static and continuous (chunked or not)", async () => {
    const base = await runAll('serial');
    for (const policy of ['static', 'continuous', 'continuous-unchunked']) {
      const other = await runAll(policy);
      other.logits.forEach((perToken, r) =>
        perToken.forEach((l, t) =>
          expect(new Uint32Array(l.buffer), `${policy} request ${r} token ${t}`).toEqual(new Uint32Array(base.logits[r]![t]!.buffer)),
        ),
      );
    }
    // A different chunk size too: attention walks keys by absolute position, so chunk edges do not matter.
    const small = await runAll('continuous', 7);
    small.logits.forEach((perToken, r) =>
      perToken.forEach((l, t) => expect(new Uint32Array(l.buffer)).toEqual(new Uint32Array(base.logits[r]![t]!.buffer))),
    );
  });

  it(
    "with many-core GPUs' kernels (split-K GEMV, workgroup attention) too: reference tokens, " + 'and the same logits under every policy',
    async () => {
      const cpu = new CpuModel(weights);
      const base = await runAll('serial', 32, undefined, manyCoreKernels);
      expect(base.results.map((r) => r.tokens)).toEqual(PROMPTS.map((p, i) => cpu.generate(p, OUT[i]!)));
      for (const [policy, budget] of [
        ['static', 32],
        ['continuous', 7],
      ] as const) {
        const other = await runAll(policy, budget, undefined, manyCoreKernels);
        other.logits.forEach((perToken, r) =>
          perToken.forEach((l, t) =>
            expect(new Uint32Array(l.buffer), `${policy} request ${r} token ${t}`).toEqual(new Uint32Array(base.logits[r]![t]!.buffer)),
          ),
        );
      }
    },
  );

  it(
    'preempts when the KV cache is full, recomputes, and still returns the reference tokens ' + '(the cache sized in tokens or in bytes)',
    async () => {
      const cpu = new CpuModel(weights);
      const want = PROMPTS.map((p, i) => cpu.generate(p, OUT[i]!));
      const ctx = await gpu();
      const blockBytes = kvBlockBytes(weights.config);
      // 160 positions (ten blocks), or one byte short of eleven blocks, which rounds down to ten.
      for (const capacity of [{ kvTokens: 160 }, { kvBytes: 11 * blockBytes - 1 }]) {
        const engine = await Engine.create(ctx, weights, { policy: 'continuous', maxSeqs: 4, tokenBudget: 32, ...capacity });
        expect(engine.model.kv.bytes, JSON.stringify(capacity)).toBe(10 * blockBytes);
        expect(engine.model.kv.layers.reduce((a, b) => a + b.size, 0)).toBe(engine.model.kv.bytes); // what the buffers take
        const results = await Promise.all(PROMPTS.map((tokens, i) => engine.submit({ tokens, maxTokens: OUT[i]! }).result));
        expect(results.map((r) => r.tokens)).toEqual(want);
        expect(results.reduce((a, r) => a + r.metrics.preemptions, 0)).toBeGreaterThan(0);
        expect(engine.scheduler.allocator.freeBlocks).toBe(10);
        engine.destroy();
      }
    },
  );

  it('streams tokens, and cancelling frees the KV blocks at once without disturbing others', async () => {
    const ctx = await gpu();
    const engine = await Engine.create(ctx, weights, { policy: 'continuous', maxSeqs: 4 });
    const abort = new AbortController();
    const victim = engine.submit({ prompt: 'cancel me', maxTokens: 200, signal: abort.signal });
    const other = engine.submit({ prompt: 'keep me', maxTokens: 30 });
    const streamed: number[] = [];
    for await (const t of victim) {
      streamed.push(t);
      if (streamed.length === 5) {
        abort.abort();
        // The scheduler released the victim's blocks synchronously.
        const owned = engine.scheduler.sequence(victim.id)!.blocks.length;
        expect(owned).toBe(0);
      }
    }
    const r = await victim.result;
    expect(r.finishReason).toBe('cancelled');
    expect(r.tokens.slice(0, 5)).toEqual(streamed.slice(0, 5));
    const o = await other.result;
    expect(o.tokens).toEqual(new CpuModel(weights).generate(encode('keep me'), 30));
    await engine.idle();
    expect(engine.scheduler.allocator.freeBlocks).toBe(engine.scheduler.allocator.totalBlocks);
    engine.destroy();
  });

  it('batched decode equals one-at-a-time decode bit for bit, and paged equals contiguous KV', async () => {
    const ctx = await gpu();
    const prompts = [encode('one'), encode('two two'), encode('three three three')];
    // Contiguous: slot s owns blocks s*16.. (the default table); one sequence per step.
    const alone = await GpuModel.create(ctx, weights, { maxSeqs: 3 });
    const single: Float32Array[] = [];
    for (let s = 0; s < 3; s++) {
      const p = prompts[s]!;
      await alone.step({ tokens: p, positions: p.map((_, i) => i), seqs: p.map(() => s), phase: 'prefill' });
      const out = await alone.step(
        { tokens: [65], positions: [p.length], seqs: [s], logitRows: [0], phase: 'decode' },
        { readLogits: true },
      );
      single.push(out.logits!);
    }
    // Paged in scattered blocks, and the three decodes in one step.
    const paged = await GpuModel.create(ctx, weights, { maxSeqs: 3 });
    paged.kv.setBlocks(0, [40, 7]);
    paged.kv.setBlocks(1, [3, 33]);
    paged.kv.setBlocks(2, [21, 0]);
    for (let s = 0; s < 3; s++) {
      const p = prompts[s]!;
      await paged.step({ tokens: p, positions: p.map((_, i) => i), seqs: p.map(() => s), phase: 'prefill' });
    }
    const batched = await paged.step(
      { tokens: [65, 65, 65], positions: prompts.map((p) => p.length), seqs: [0, 1, 2], logitRows: [0, 1, 2], phase: 'decode' },
      { readLogits: true },
    );
    const V = weights.config.vocab;
    for (let s = 0; s < 3; s++)
      expect(new Uint32Array(batched.logits!.slice(s * V, (s + 1) * V).buffer)).toEqual(new Uint32Array(single[s]!.buffer));
    alone.destroy();
    paged.destroy();
  });

  it("a decode step past the GEMV's 16 rows (through the GEMM) equals one-at-a-time decode bit for bit", async () => {
    const ctx = await gpu();
    const n = 19; // 17-32 rows take the GEMM: the engine runs up to DEFAULT_MAX_SEQS (32) sequences
    const model = await GpuModel.create(ctx, weights, { maxSeqs: n });
    const prompts = Array.from({ length: n }, (_, s) => encode(`sequence ${s}${'!'.repeat(s % 5)}`));
    for (let s = 0; s < n; s++) {
      const p = prompts[s]!;
      await model.step({ tokens: p, positions: p.map((_, i) => i), seqs: p.map(() => s), phase: 'prefill' });
    }
    const seqs = prompts.map((_, s) => s);
    const batched = await model.step(
      { tokens: seqs.map(() => 66), positions: prompts.map((p) => p.length), seqs, logitRows: seqs, phase: 'decode' },
      { readLogits: true },
    );
    const V = weights.config.vocab;
    for (const s of [0, 7, 16, 17, 18]) {
      // Rewrites the same key and value at the same position, then decodes the row alone (the GEMV).
      const alone = await model.step(
        { tokens: [66], positions: [prompts[s]!.length], seqs: [s], logitRows: [0], phase: 'decode' },
        { readLogits: true },
      );
      expect(new Uint32Array(batched.logits!.slice(s * V, (s + 1) * V).buffer)).toEqual(new Uint32Array(alone.logits!.buffer));
    }
    model.destroy();
  });

  it('refuses bad requests with typed errors and keeps serving', async () => {
    const ctx = await gpu();
    // A KV capacity given twice or too small is refused before anything is made.
    await expect(Engine.create(ctx, weights, { kvTokens: 160, kvBytes: 1 << 20 })).rejects.toThrow(/tokens or in bytes, not both/);
    await expect(Engine.create(ctx, weights, { kvBytes: 100 })).rejects.toThrow(RangeError);
    const engine = await Engine.create(ctx, weights, { maxSeqs: 2 });
    expect(() => engine.submit({ tokens: [], maxTokens: 3 })).toThrow(/empty/);
    expect(() => engine.submit({ prompt: 'x', maxTokens: 0 })).toThrow(/maxTokens/);
    expect(() => engine.submit({ tokens: Array(300).fill(65), maxTokens: 1 })).toThrow(/context/);
    const aborted = new AbortController();
    aborted.abort();
    expect(() => engine.submit({ prompt: 'x', maxTokens: 3, signal: aborted.signal })).toThrow(/cancelled/);
    expect((await engine.submit({ prompt: 'still fine', maxTokens: 3 }).result).tokens).toHaveLength(3);
    engine.destroy();
  });
});
