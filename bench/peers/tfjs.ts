// A peer on the same adapter: tfjs-backend-webgpu's matMul, timed on this engine's
// clock, so the kernels suite can say how our GEMV and GEMM compare with a WebGPU
// engine people know (issue 3 sets the prefill GEMM at 5x its GFLOP/s).
//
// The peer runs on our own GPUDevice (WebGPUBackend takes a device), so both use the
// same adapter, limits and features, and its work is timed with PassClock.around:
// timestamps written by empty passes submitted just before and just after it.
import type { GpuContext } from '../../src/index.js';
import { PassClock } from '../../src/gpu/pass-clock.js';
import type { Stats } from '../../src/perf/stats.js';

export interface PeerMatmulRow {
  /** Library and version, e.g. "tfjs-backend-webgpu 4.22.0". */
  peer: string;
  kernel: 'gemv' | 'gemm';
  M: number;
  K: number;
  N: number;
  ms: Stats;
  gflops: number;
  /** Largest |peer - CPU| over the first output row, against that row's largest |value|: the peer computed this product. */
  firstRowRelErr: number;
}

type Tf = typeof import('@tensorflow/tfjs-core');

/**
 * WebGPUBackend's constructor refuses to run unless `navigator.gpu` exists, which it
 * does not in Node (Dawn is handed to us, not installed globally); the backend is
 * given its device and never calls navigator.gpu itself.
 */
function withNavigatorGpu<T>(ctx: GpuContext, make: () => T): T {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return make();
  const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu: { peerOnly: true, device: ctx.device } }, configurable: true, writable: true });
  try {
    return make();
  } finally {
    if (had) Object.defineProperty(globalThis, 'navigator', had);
    else delete g.navigator;
  }
}

/** Deterministic values in [-1, 1) (the peer's inputs; the CPU check recomputes from them). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/**
 * tfjs matMul a[M, K] . b[K, N] for each shape, f32: one untimed run (compiles its
 * pipeline and uploads the inputs), then `repeats` timed runs. Shapes with M = 1 are
 * its GEMV. The tfjs backend is registered as 'webgpu' (its kernels are registered
 * under that name) on our device, and removed afterwards; the device stays ours.
 */
export async function tfjsMatmulBench(ctx: GpuContext, shapes: [number, number, number][], repeats: number, progress: (msg: string) => void): Promise<PeerMatmulRow[]> {
  const tf: Tf = await import('@tensorflow/tfjs-core');
  const webgpu = await import('@tensorflow/tfjs-backend-webgpu');
  // The backend exports no version; package.json pins it to tfjs-core's.
  const peer = `tfjs-backend-webgpu ${tf.version_core}`;
  // In a browser the package registered its own 'webgpu' factory (a device of its own) on import.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const backend = withNavigatorGpu(ctx, () => new webgpu.WebGPUBackend(ctx.device));
  tf.registerBackend('webgpu', () => backend);
  const clock = new PassClock(ctx);
  const rows: PeerMatmulRow[] = [];
  try {
    if (!(await tf.setBackend('webgpu')) || tf.backend() !== backend) throw new Error('tfjs could not start its WebGPU backend on this device');
    for (const [M, K, N] of shapes) {
      progress(`kernels: peer ${peer} matMul ${M}x${K}x${N}`);
      const av = values(M * K, 1);
      const bv = values(K * N, 2);
      const a = tf.tensor2d(av, [M, K]);
      const b = tf.tensor2d(bv, [K, N]);
      const check = tf.matMul(a, b);
      const firstRow = (await check.data()).subarray(0, N) as Float32Array;
      check.dispose();
      const ms = await clock.statsAround(() => {
        const c = tf.matMul(a, b);
        // tfjs keeps its pass open to batch more ops; close it and submit now, between the brackets.
        backend.endComputePassEncoder();
        backend.submitQueue();
        c.dispose();
      }, repeats);
      rows.push({ peer, kernel: M === 1 ? 'gemv' : 'gemm', M, K, N, ms, gflops: (2 * M * K * N) / ms.median / 1e6, firstRowRelErr: firstRowError(firstRow, av, bv, K, N) });
      a.dispose();
      b.dispose();
    }
  } finally {
    clock.destroy();
    tf.removeBackend('webgpu');
  }
  return rows;
}

/** max |got - a[0,:] . b| over the row, over the row's largest |value| (f64 reference). */
function firstRowError(got: Float32Array, a: Float32Array, b: Float32Array, K: number, N: number): number {
  let maxErr = 0;
  let scale = 0;
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a[k]! * b[k * N + n]!;
    maxErr = Math.max(maxErr, Math.abs(got[n]! - s));
    scale = Math.max(scale, Math.abs(s));
  }
  return maxErr / Math.max(scale, 1e-30);
}
