// npm run jit-count -- [--kernel gemm|gemv] [--shape M,K,N] [--dtype f32|f16]
//   [--lane-matmul FILE] [--kernels JSON] [--seconds S] [--bucket BYTES] [--asm FILE]
// Counts the x86 instructions SwiftShader's JIT made of a matmul's hot loop, in Node on
// Dawn (Linux, with perf and objdump). On shared VMs two kernels timed in turn differ by
// noise alone more than most changes move them, while the instruction count of the hot
// block is the same on every run: compare variants by it first, then time. Its size in
// bytes too: a loop body past the CPU's instruction caches runs slower with fewer
// instructions (docs/results.md, "JIT instruction counts").
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireGpu, chooseKernels, EngineError, overrideKernels, type KernelOverrides } from '../../src/index.js';
import { PassClock } from '../../src/perf/pass-clock.js';
import { Gemm } from '../../src/kernels/gemm.js';
import { Gemv } from '../../src/kernels/gemv.js';
import { operands } from '../suites/kernel-bench.js';
import { busiestMapping, countInstructions, hotSpan, jitMappings, linesBetween, loopSpan, annotateSamples } from '../jit/count.js';
import { parse } from './common.js';
import { command, isMain, processIo, runCommand } from './io.js';
import { SWIFTSHADER_ICD } from './node-runtime.js';

const LANE_MATMUL = 'shaders/lane_matmul.wgsl';
/** How far around the hot block the loop's ends are looked for (gemm_direct's body is 196 KiB). */
const LOOP_REACH = 256 * 1024;

const program = command('jit-count', processIo)
  .description("Count the instructions in SwiftShader's JIT code for a matmul's hot loop (Linux, perf, objdump).")
  .option('--kernel <k>', 'gemm (prefill) or gemv (decode)', parse.oneOf('gemm', 'gemv'), 'gemm')
  .option('--shape <M,K,N>', 'rows, inner size, columns', '512,2048,2048')
  .option('--dtype <d>', 'f32 or f16 weights', parse.oneOf('f32', 'f16'), 'f32')
  .option('--lane-matmul <file>', `a variant of ${LANE_MATMUL} to compile in its place`)
  .option('--kernels <json>', 'kernel set overrides, as npm run bench takes them, e.g. {"gemm":{"directRows":16}}', parse.json)
  .option('--seconds <s>', 'how long perf samples', parse.int(1), 5)
  .option(
    '--asm <file>',
    "write the loop's disassembly (objdump) to this file, each line after the perf samples " +
      'taken at it, to read what the JIT made of it and where its time goes',
  )
  .option(
    '--bucket <bytes>',
    'code slice size for finding the hot block (smaller for small kernels, e.g. 256 for a one-row GEMV)',
    parse.int(16),
    4096,
  );

type Opts = {
  kernel: 'gemm' | 'gemv';
  shape: string;
  dtype: 'f32' | 'f16';
  laneMatmul?: string;
  kernels?: KernelOverrides;
  seconds: number;
  bucket: number;
  asm?: string;
};

/** The level-1 instruction cache's size as Linux reports it ('32K'), if it does. */
function instructionCache(): string | undefined {
  for (let i = 0; i < 8; i++) {
    const dir = `/sys/devices/system/cpu/cpu0/cache/index${i}`;
    try {
      if (readFileSync(`${dir}/type`, 'utf8').trim() === 'Instruction' && readFileSync(`${dir}/level`, 'utf8').trim() === '1')
        return readFileSync(`${dir}/size`, 'utf8').trim();
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function need(tool: string, pkg: string): void {
  if (spawnSync(tool, ['--version']).error) throw new EngineError('MISSING_TOOL', `${tool} is not installed: apt-get install -y ${pkg}`);
}

async function main(o: Opts): Promise<void> {
  if (process.platform !== 'linux') throw new EngineError('UNSUPPORTED', 'jit-count reads /proc and runs perf: Linux only');
  need('perf', 'linux-perf');
  need('objdump', 'binutils');
  const [M, K, N] = o.shape.split(',').map(Number) as [number, number, number];
  if (![M, K, N].every((v) => Number.isInteger(v) && v > 0))
    throw new EngineError('BAD_ARGUMENT', `--shape wants three whole numbers M,K,N, got '${o.shape}'`);
  process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
  process.env.NODEVICE_SELECT ??= '1';
  const dawn = (await import('webgpu')) as unknown as { create: (f: string[]) => GPU; globals: object };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]); // held for the whole run: Dawn tears an unreferenced instance down
  const ctx = await acquireGpu({ gpu, sleepBeforeWaits: true });
  const kernels = overrideKernels(chooseKernels(ctx.adapter), o.kernels ?? {});
  if (o.laneMatmul) {
    const original = readFileSync(LANE_MATMUL, 'utf8');
    const variant = readFileSync(o.laneMatmul, 'utf8');
    const get = ctx.pipelines.get.bind(ctx.pipelines);
    ctx.pipelines.get = (kernel, code, entry, constants) => get(`${kernel}:variant`, code.replace(original, variant), entry, constants);
  }
  const { layout, w, a, out } = operands({ ctx, kernels }, o.dtype, M, K, N);
  const op =
    o.kernel === 'gemm' ? await Gemm.create(ctx, kernels, layout, a, w, out) : await Gemv.create(ctx, kernels, layout, a, w, out, M);
  const clock = new PassClock(ctx);
  await clock.once((pass) => op.encode(pass, M)); // compiled and warm before sampling starts

  const dir = mkdtempSync(join(tmpdir(), 'jit-count-'));
  try {
    const data = join(dir, 'perf.data');
    const perf = spawn('perf', ['record', '-F', '1000', '-p', String(process.pid), '-o', data, '--', 'sleep', String(o.seconds)], {
      stdio: 'ignore',
    });
    const done = new Promise<number | null>((resolve) => perf.on('exit', resolve));
    let stopped = false;
    void done.then(() => (stopped = true));
    const passes: number[] = [];
    while (!stopped) passes.push(await clock.once((pass) => op.encode(pass, M)));
    if ((await done) !== 0) throw new EngineError('PERF_FAILED', 'perf record failed (as root, or with kernel.perf_event_paranoid <= 1)');

    const mappings = jitMappings(readFileSync('/proc/self/maps', 'utf8'));
    if (!mappings.length)
      throw new EngineError(
        'NO_SWIFTSHADER',
        `no SwiftShader JIT code in this process: the adapter is ${ctx.adapter.description || ctx.adapter.vendor}`,
      );
    const script = spawnSync('perf', ['script', '-i', data, '-F', 'ip,dso'], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
    const ips = script
      .split('\n')
      .filter((l) => l.includes('swiftshader_jit'))
      .map((l) => parseInt(l.trim().split(/\s+/)[0]!, 16));
    const busiest = busiestMapping(mappings, ips);
    if (!busiest) throw new EngineError('NO_SAMPLES', 'perf caught no samples in the JIT code: run longer (--seconds)');
    const { mapping, offsets } = busiest;
    const code = Buffer.alloc(mapping.end - mapping.start);
    const mem = openSync('/proc/self/mem', 'r');
    try {
      readSync(mem, code, 0, code.length, mapping.start);
    } finally {
      closeSync(mem);
    }
    const bin = join(dir, 'jit.bin');
    writeFileSync(bin, code);
    const span = hotSpan(offsets, o.bucket);
    if (!span) throw new EngineError('NO_SAMPLES', 'perf caught no samples in the JIT code: run longer (--seconds)');
    // Reaching well past the hot block both ways, so that the loop around it is whole.
    const from = Math.max(0, span.start - LOOP_REACH);
    const to = Math.min(code.length, span.end + LOOP_REACH);
    const wide = spawnSync('objdump', ['-D', '-b', 'binary', '-m', 'i386:x86-64', `--start-address=${from}`, `--stop-address=${to}`, bin], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    }).stdout;
    const asm = linesBetween(wide, span.start, span.end - 1);
    const { total, bytes, byMnemonic } = countInstructions(asm);
    const loop = loopSpan(wide, offsets);
    const loopCount = loop && countInstructions(linesBetween(wide, loop.start, loop.end));
    if (o.asm) writeFileSync(o.asm, annotateSamples(loop ? linesBetween(wide, loop.start, loop.end) : asm, offsets));
    const pick = (m: string) => byMnemonic.get(m) ?? 0;
    const pairs = Math.min(pick('mulps'), pick('addps'));
    passes.sort((x, y) => x - y);
    const variant = o.laneMatmul ? ` (${o.laneMatmul})` : '';
    console.log(`${o.kernel} ${M}x${K}x${N} ${o.dtype}${variant}${o.kernels ? ` kernels ${JSON.stringify(o.kernels)}` : ''}`);
    const l1i = instructionCache();
    console.log(
      `  hot block ${span.start.toString(16)}-${span.end.toString(16)}: ${span.samplesIn} of ` +
        `${offsets.length} JIT samples, ${total} instructions in ${(bytes / 1024).toFixed(1)} ` +
        `KiB${l1i ? ` (this CPU's L1 instruction cache: ${l1i})` : ''}`,
    );
    if (loop && loopCount)
      console.log(
        `  its loop ${loop.start.toString(16)}-${loop.end.toString(16)}: ${loopCount.total} ` +
          `instructions in ${(loopCount.bytes / 1024).toFixed(1)} KiB, mulps ` +
          `${loopCount.byMnemonic.get('mulps') ?? 0} (the Zen 3 cores measured here cache 4K decoded ` +
          `ops)`,
      );
    const perPair = pairs
      ? `: ${(total / pairs).toFixed(1)} instructions and ${(pick('movups') / pairs).toFixed(1)} movups per mul+add pair`
      : '';
    console.log(`  mulps ${pick('mulps')}, addps ${pick('addps')}, movups ${pick('movups')}, idiv ${pick('idiv')}${perPair}`);
    console.log(
      `  most used: ${[...byMnemonic]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 8)
        .map(([m, n]) => `${m} ${n}`)
        .join(', ')}`,
    );
    console.log(`  ${passes.length} passes while sampling, median ${passes[passes.length >> 1]!.toFixed(1)} ms (a time, so noisy)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    op.destroy();
  }
}

// perf and Dawn keep handles open: exit when done.
if (isMain(import.meta.url))
  process.exit(
    await runCommand(processIo, () => {
      program.parse(process.argv.slice(2), { from: 'user' });
      return main(program.opts<Opts>());
    }),
  );
