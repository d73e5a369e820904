// A peer on the same adapter: tfjs-backend-webgpu's matMul, timed on this engine's
// clock, so the kernels suite can say how our GEMV and GEMM compare with a WebGPU
// engine people know.
//
// The peer runs on our own GPUDevice (WebGPUBackend takes a device), so both use the
// same adapter, limits and features, and its work is timed with PassClock.around:
// timestamps written by empty passes submitted just before and just after it.
import type { GpuContext } from '../../src/index.js';
import { PassClock } from '../../src/perf/pass-clock.js';
import { firstRowError, peerRow, peerValues, type PeerMatmulRow } from './common.js';

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
  Object.defineProperty(globalThis, 'navigator', {
    value: { ...(g.navigator ?? {}), gpu: { peerOnly: true, device: ctx.device } },
    configurable: true,
    writable: true,
  });
  try {
    return make();
  } finally {
    if (had) Object.defineProperty(globalThis, 'navigator', had);
    else delete g.navigator;
  }
}

/**
 * tfjs matMul a[M, K] . b[K, N] for each shape, f32: one untimed run (compiles its
 * pipeline and uploads the inputs), then `repeats` timed runs. Shapes with M = 1 are
 * its GEMV. The tfjs backend is registered as 'webgpu' (its kernels are registered
 * under that name) on our device, and removed afterwards; the device stays ours.
 */
export async function tfjsMatmulBench(
  ctx: GpuContext,
  shapes: [number, number, number][],
  repeats: number,
  progress: (msg: string) => void,
): Promise<PeerMatmulRow[]> {
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
    if (!(await tf.setBackend('webgpu')) || tf.backend() !== backend)
      throw new Error('tfjs could not start its WebGPU backend on this device');
    for (const [M, K, N] of shapes) {
      progress(`kernels: peer ${peer} matMul ${M}x${K}x${N}`);
      const av = peerValues(M * K, 1);
      const bv = peerValues(K * N, 2);
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
      rows.push(peerRow(peer, M, K, N, ms, firstRowError(firstRow, av, bv, K, N)));
      a.dispose();
      b.dispose();
    }
  } finally {
    clock.destroy();
    tf.removeBackend('webgpu');
  }
  return rows;
}
