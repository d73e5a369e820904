// The second peer on the same adapter: onnxruntime-web's WebGPU execution provider running
// a one-node ONNX model (C = MatMul(A, B), B stored as weights: bench/peers/onnx-matmul.ts),
// on our own GPUDevice (env.webgpu.device), timed on our clock like the tfjs peer.
import type { GpuContext } from '../../src/index.js';
import { PassClock } from '../../src/perf/pass-clock.js';
import { firstRowError, peerRow, peerValues, type PeerMatmulRow } from './common.js';
import { onnxMatmulModel } from './onnx-matmul.js';

/**
 * onnxruntime-web session.run of each shape, f32: one untimed run checked against the CPU,
 * then `repeats` timed runs. A timed run is the upload of A, the matmul and the copy of C
 * back (M x K and M x N floats, small beside the matmul), up to when run() resolves: with
 * the output left on the GPU (preferredOutputLocation 'gpu-buffer') ORT had not yet
 * submitted its work when run() resolved, and the brackets caught an empty span (faster
 * than the adapter's FMA peak). ORT takes its device before its first session and
 * keeps it for the page's lifetime.
 */
export async function ortMatmulBench(
  ctx: GpuContext,
  shapes: [number, number, number][],
  repeats: number,
  progress: (msg: string) => void,
): Promise<PeerMatmulRow[]> {
  if (typeof window === 'undefined')
    // Its wasm hands queue.writeBuffer a view of shared wasm memory, which Dawn's Node binding refuses.
    throw new Error('its WebGPU backend runs in a browser only (use --runtime browser)');
  const ort = await import('onnxruntime-web/webgpu');
  const peer = `onnxruntime-web ${ort.env.versions.web ?? '?'}`;
  ort.env.wasm.numThreads = 1; // no SharedArrayBuffer threads needed: the work is on the GPU
  try {
    ort.env.webgpu.device = ctx.device;
  } catch (e) {
    // Set once per page; a second GpuContext cannot move it.
    if ((await ort.env.webgpu.device) !== ctx.device)
      throw new Error(`it already runs on another GPUDevice in this page (${(e as Error).message})`, { cause: e });
  }
  const clock = new PassClock(ctx);
  const rows: PeerMatmulRow[] = [];
  try {
    for (const [M, K, N] of shapes) {
      progress(`kernels: peer ${peer} MatMul ${M}x${K}x${N}`);
      const av = peerValues(M * K, 1);
      const bv = peerValues(K * N, 2);
      const session = await ort.InferenceSession.create(onnxMatmulModel(M, K, N, bv), { executionProviders: ['webgpu'] });
      try {
        const input = { A: new ort.Tensor('float32', av, [M, K]) };
        const firstRow = ((await session.run(input)).C!.data as Float32Array).subarray(0, N);
        const ms = await clock.statsAround(async () => {
          await session.run(input);
        }, repeats);
        rows.push(peerRow(peer, M, K, N, ms, firstRowError(firstRow, av, bv, K, N)));
      } finally {
        await session.release();
      }
    }
  } finally {
    clock.destroy();
  }
  return rows;
}
