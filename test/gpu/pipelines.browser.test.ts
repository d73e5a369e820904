import { describe, expect, it } from 'vitest';
import { ShaderCompileError } from '../../src/errors.js';
import { gpu, readU32 } from './helpers.js';

// The pipeline cache (src/gpu/pipelines.ts) is keyed by the source it compiles, the entry
// point and the constants: never by a kernel's name alone, which let two variants of one
// kernel share whichever compiled first.

const source = (value: number) => `
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
override EXTRA: u32 = 0u;
@compute @workgroup_size(1) fn main() { out[0] = ${value}u + EXTRA; }
`;

async function runOnce(pipeline: GPUComputePipeline): Promise<number> {
  const ctx = await gpu();
  const out = ctx.storage('out', 4);
  const enc = ctx.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(
    0,
    ctx.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] }),
  );
  pass.dispatchWorkgroups(1);
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
  return (await readU32(ctx, out, 1))[0]!;
}

describe('the pipeline cache', () => {
  it('compiles two sources under one name as two modules, each running its own code', async () => {
    const ctx = await gpu();
    const modules = ctx.pipelines.moduleCount;
    const a = await ctx.pipelines.get('same_name', source(1), 'main');
    const b = await ctx.pipelines.get('same_name', source(2), 'main');
    expect(ctx.pipelines.moduleCount).toBe(modules + 2);
    expect(b).not.toBe(a);
    expect([await runOnce(a), await runOnce(b)]).toEqual([1, 2]);
  });

  it('gives the same pipeline for the same source, entry point and constants in any order, and another for other constants', async () => {
    const ctx = await gpu();
    const code = source(10);
    const first = await ctx.pipelines.get('k', code, 'main', { EXTRA: 5 });
    const pipelines = ctx.pipelines.pipelineCount;
    expect(await ctx.pipelines.get('another label', code, 'main', { EXTRA: 5 })).toBe(first);
    expect(ctx.pipelines.pipelineCount).toBe(pipelines);
    const other = await ctx.pipelines.get('k', code, 'main', { EXTRA: 6 });
    expect(other).not.toBe(first);
    expect([await runOnce(first), await runOnce(other)]).toEqual([15, 16]);
  });

  it('reports WGSL that does not compile with the kernel name and line, and forgets it', async () => {
    const ctx = await gpu();
    const bad = '@compute @workgroup_size(1) fn main() { let x: u32 = 1.5; }';
    await expect(ctx.pipelines.get('broken_kernel', bad, 'main')).rejects.toThrow(ShaderCompileError);
    await expect(ctx.pipelines.get('broken_kernel', bad, 'main')).rejects.toThrow(/broken_kernel.*line 1/);
  });
});
