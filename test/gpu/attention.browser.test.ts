import { describe, expect, it } from 'vitest';
import { Attention } from '../../src/kernels/attention.js';
import { KvWrite, type PagedKvLayout } from '../../src/kernels/kv_write.js';
import { attention } from '../../src/ref/attention.js';
import { mulberry32 } from '../../src/numeric/prng.js';
import { gpu, kernelsFor, randomArray, readF32, run, U32, worst } from './helpers.js';

const BS = 16;

/**
 * Scatters each sequence's contiguous cache into a paged buffer through a
 * shuffled block table, as a block allocator would leave it.
 */
function paged(caches: { k: Float32Array; v: Float32Array }[], kvWidth: number, blocksPerSeq: number, seed: number) {
  const totalBlocks = caches.length * blocksPerSeq + 3; // spare blocks, never referenced
  const order = Array.from({ length: totalBlocks }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const capacity = totalBlocks * BS;
  const table = Uint32Array.from(order.slice(0, caches.length * blocksPerSeq));
  const cache = new Float32Array(2 * capacity * kvWidth).fill(NaN); // unreferenced slots poison any stray read
  caches.forEach((c, s) => {
    for (let p = 0; p < blocksPerSeq * BS; p++) {
      const slot = table[s * blocksPerSeq + Math.floor(p / BS)]! * BS + (p % BS);
      cache.set(c.k.subarray(p * kvWidth, (p + 1) * kvWidth), slot * kvWidth);
      cache.set(c.v.subarray(p * kvWidth, (p + 1) * kvWidth), (capacity + slot) * kvWidth);
    }
  });
  const layout: PagedKvLayout = { kvWidth, blockSize: BS, blocksPerSeq, capacity };
  return { table, cache, layout };
}

interface Case {
  H: number;
  Hkv: number;
  Dh: number;
  /** Rows of sequence 0 at positions start .. start + prompt - 1 (a prompt, or a chunk of one). */
  prompt: number;
  start?: number;
  /** Decode rows, one per sequence, at positions 0, 16, 63, 64, 129, ...: `seqs` of them without a prompt, `decodes` before it. */
  seqs: number;
  decodes?: number;
}

const DECODE_POSITIONS = [0, 16, 63, 64, 129];

/**
 * Writes the rows' keys and values with kv_write and runs attention over a shuffled
 * paged cache in the given form; returns the output, the CPU reference's, each row's
 * error bound, and what kv_write left where each row's key and value belong.
 */
async function attend(form: 'invocation' | 'workgroup', { H, Hkv, Dh, prompt, start = 0, seqs, decodes = 0 }: Case) {
  const ctx = await gpu();
  const kernels = kernelsFor(ctx, { attention: form });
  const kvWidth = Hkv * Dh;
  const contextLength = 140;
  const blocksPerSeq = Math.ceil(contextLength / BS);
  // Decode rows first (as the scheduler plans a step), then the prompt rows of sequence 0.
  const firstDecodeSeq = prompt > 0 ? 1 : 0;
  const decodeRows = prompt > 0 ? decodes : seqs;
  const rows: { seq: number; pos: number }[] = [
    ...Array.from({ length: decodeRows }, (_, s) => ({ seq: firstDecodeSeq + s, pos: DECODE_POSITIONS[s % 5]! })),
    ...Array.from({ length: prompt }, (_, t) => ({ seq: 0, pos: start + t })),
  ];
  const nSeq = firstDecodeSeq + decodeRows;
  const caches = Array.from({ length: nSeq }, (_, s) => ({
    k: randomArray(contextLength * kvWidth, 10 + s),
    v: randomArray(contextLength * kvWidth, 20 + s),
  }));
  const T = rows.length;
  const qStride = (H + 2 * Hkv) * Dh;
  const qkv = randomArray(T * qStride, 30 + T);
  // Each row's own key and value come from qkv: put them in the reference cache too.
  rows.forEach((r, t) => {
    caches[r.seq]!.k.set(qkv.subarray(t * qStride + H * Dh, t * qStride + H * Dh + kvWidth), r.pos * kvWidth);
    caches[r.seq]!.v.set(qkv.subarray(t * qStride + H * Dh + kvWidth, (t + 1) * qStride), r.pos * kvWidth);
  });
  const want = new Float32Array(T * H * Dh);
  const bounds = new Float32Array(T);
  rows.forEach((r, t) => {
    const c = caches[r.seq]!;
    want.set(attention(qkv.subarray(t * qStride), qStride, c.k, c.v, [r.pos], 1, H, Hkv, Dh), t * H * Dh);
    let maxV = 0;
    let S = 0;
    for (let j = 0; j <= r.pos; j++)
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / (H / Hkv));
        let s = 0;
        for (let d = 0; d < Dh; d++) {
          s += Math.abs(qkv[t * qStride + h * Dh + d]! * c.k[j * kvWidth + g * Dh + d]!);
          maxV = Math.max(maxV, Math.abs(c.v[j * kvWidth + g * Dh + d]!));
        }
        S = Math.max(S, s / Math.sqrt(Dh));
      }
    bounds[t] = (8 * (r.pos + 1) + 64 + 2 * Dh * S) * U32 * maxV;
  });
  // The GPU cache starts without the new rows' keys: kv_write must put them in place.
  const stale = caches.map((c) => ({ k: c.k.slice(), v: c.v.slice() }));
  rows.forEach((r) => {
    stale[r.seq]!.k.fill(NaN, r.pos * kvWidth, (r.pos + 1) * kvWidth);
    stale[r.seq]!.v.fill(NaN, r.pos * kvWidth, (r.pos + 1) * kvWidth);
  });
  const { table, cache, layout } = paged(stale, kvWidth, blocksPerSeq, T + H);
  const u32 = (a: number[]) => Uint32Array.from(a);
  const bufs = {
    qkv: ctx.storage('qkv', qkv.byteLength, qkv),
    positions: ctx.storage('pos', T * 4, u32(rows.map((r) => r.pos))),
    seqs: ctx.storage('seq', T * 4, u32(rows.map((r) => r.seq))),
    blockTable: ctx.storage('table', table.byteLength, table),
    cache: ctx.storage('cache', cache.byteLength, cache),
    out: ctx.storage('out', T * H * Dh * 4),
  };
  const write = await KvWrite.create(ctx, kernels, layout, qStride, H * Dh, bufs);
  const att = await Attention.create(ctx, kernels, { heads: H, kvHeads: Hkv, headDim: Dh, qkvStride: qStride }, layout, bufs);
  run(ctx, (pass) => {
    write.encode(pass, T);
    att.encode(pass, T);
  });
  const got = await readF32(ctx, bufs.out, T * H * Dh);
  const after = await readF32(ctx, bufs.cache, cache.length);
  const written = rows.map((r, t) => {
    const slot = table[r.seq * blocksPerSeq + Math.floor(r.pos / BS)]! * BS + (r.pos % BS);
    return {
      k: [after.subarray(slot * kvWidth, (slot + 1) * kvWidth), qkv.subarray(t * qStride + H * Dh, t * qStride + H * Dh + kvWidth)],
      v: [
        after.subarray((layout.capacity + slot) * kvWidth, (layout.capacity + slot + 1) * kvWidth),
        qkv.subarray(t * qStride + H * Dh + kvWidth, (t + 1) * qStride),
      ],
    };
  });
  return { got, want, bounds, rowWidth: H * Dh, written };
}

// Tolerance: (8n + 64 + 2 Dh S) u max|v|, per output row, with n the keys seen and
// S the largest sum_d |q_d k_d| / sqrt(Dh) over those keys. Each dot product
// errs by at most Dh u S (gamma_Dh); that shifts a softmax weight by the same
// relative amount. exp is within 3 + 2|x| ulp (|x| stays under 8 here: 64u with
// the ulp-to-u factor 2 and division); each of the n online-rescaling steps
// rounds the running sum and output a handful of times (8u per key). Weights
// sum to 1, so every relative error scales max|v|.
// Both forms (src/kernels/kernel-set.ts picks one per adapter): one invocation, or one workgroup
// over tiles of 64 keys, per (row, head); the bound covers any grouping of the sums.
describe.each(['invocation', 'workgroup'] as const)('attention over a paged KV cache, one %s per (row, head)', (form) => {
  it.each<Case>([
    { H: 1, Hkv: 1, Dh: 4, prompt: 1, seqs: 1 },
    { H: 2, Hkv: 1, Dh: 8, prompt: 7, seqs: 1 }, // Dh / 4 = 2: a part-filled block of four vec4
    { H: 4, Hkv: 2, Dh: 16, prompt: 3, seqs: 1 },
    { H: 4, Hkv: 4, Dh: 16, prompt: 63, seqs: 1 },
    { H: 8, Hkv: 2, Dh: 64, prompt: 64, seqs: 1 },
    { H: 6, Hkv: 3, Dh: 32, prompt: 65, seqs: 1 },
    { H: 2, Hkv: 1, Dh: 128, prompt: 127, seqs: 1 },
    { H: 4, Hkv: 2, Dh: 16, prompt: 0, seqs: 3 }, // decode: one row per sequence, different lengths
    { H: 8, Hkv: 8, Dh: 32, prompt: 0, seqs: 5 },
    // Continuous batching's steps: decode rows, then a prompt chunk further into its sequence.
    { H: 8, Hkv: 4, Dh: 32, prompt: 61, start: 40, seqs: 1, decodes: 3 },
    { H: 4, Hkv: 2, Dh: 16, prompt: 6, start: 100, seqs: 1, decodes: 5 },
  ])('H=$H Hkv=$Hkv Dh=$Dh prompt=$prompt (from $start) seqs=$seqs decodes=$decodes', async (c) => {
    const { got, want, bounds, rowWidth, written } = await attend(form, c);
    expect(worst(got, want, (i) => bounds[Math.floor(i / rowWidth)]! + 1e-30)).toBeUndefined();
    // kv_write moved each row's key and value exactly.
    for (const { k, v } of written) {
      expect(k[0]).toEqual(k[1]);
      expect(v[0]).toEqual(v[1]);
    }
  });
});
