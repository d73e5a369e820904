// npm run verify -- [--runtime browser|node] [--model tiny,small] [--dtype f32,f16]
// Checks the engine on this adapter against the CPU reference: every prompt row's
// logits (awkward lengths), greedy decode, and many requests batched. Exits 1 on
// any failure; --json prints the rows (with the adapter and kernel variants).
import ora from 'ora';
import { PRESETS, type KernelOverrides, type WeightDtype } from '../../src/index.js';
import { withRuntime, type RuntimeName } from './runtime.js';
import { ensureChromium } from '../../scripts/chromium.mjs';
import { parse, unwrap } from './common.js';
import { command, isMain, line, processIo, runCommand, sharing, type CommandIo } from './io.js';
import { describeRun, renderTable, verifyTable } from './tables.js';

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

interface Opts {
  model: string;
  dtype: string;
  seed: number;
  promptLengths: string;
  tokens: number;
  batch: number;
  runtime: RuntimeName;
  kernels?: KernelOverrides;
  browser?: string;
  json?: boolean;
}

async function main(o: Opts, io: CommandIo, fail: (message: string) => never): Promise<number> {
  const models = list(o.model);
  const unknown = models.filter((m) => !PRESETS[m]);
  if (unknown.length) fail(`unknown model '${unknown.join(', ')}'; known: ${Object.keys(PRESETS).join(', ')}`);
  const dtypes = list(o.dtype).map((d) => parse.oneOf<WeightDtype>('f32', 'f16')(d));
  const promptLengths = list(o.promptLengths).map((n) => parse.int(1)(n));
  for (const m of models) {
    const context = PRESETS[m]!.contextLength;
    const past = promptLengths.find((n) => n > context);
    if (past) fail(`--prompt-lengths: ${past} tokens is past ${m}'s context of ${context}`);
  }
  if (o.runtime === 'browser' && !o.browser && !io.browser) ensureChromium({ quiet: true });
  const spinner = ora({ text: 'starting', stream: io.stderr, isSilent: Boolean(o.json) }).start();
  let driver: string | undefined;
  const out = await withRuntime(
    { runtime: o.runtime, browser: o.browser, ...sharing(io), onProgress: (m) => (spinner.text = m), onDriver: (d) => (driver = d) },
    async (runner) => {
      const adapter = unwrap(await runner.call('adapter', o.kernels));
      const rows = unwrap(
        await runner.call('verify', { models, dtypes, seed: o.seed, promptLengths, decodeTokens: o.tokens, batch: o.batch }, o.kernels),
      );
      return { adapter, rows };
    },
  );
  spinner.stop();
  const failed = out.rows.filter((r) => !r.pass).length;
  const print = (text: string) => line(io.stdout, text);
  if (o.json) print(JSON.stringify({ runtime: o.runtime, driver, ...out, failed }));
  else {
    print(describeRun(out.adapter, o.runtime, driver));
    print(renderTable(verifyTable(out.rows)));
    print(failed ? `${failed} of ${out.rows.length} checks FAILED` : `all ${out.rows.length} checks passed`);
  }
  return failed ? 1 : 0;
}

export async function verifyCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  return runCommand(io, async () => {
    const program = command('verify', io)
      .description("Check the engine's output on this adapter against the CPU reference.")
      .option('--model <names>', `comma-separated model presets (${Object.keys(PRESETS).join(', ')})`, 'tiny,small')
      .option('--dtype <dtypes>', 'comma-separated weight dtypes (f32, f16)', 'f32,f16')
      .option('--seed <n>', 'seed of the synthetic weights', parse.int(0), 1234)
      .option('--prompt-lengths <ns>', 'prompt lengths whose logits are compared', '1,3,63,64,65')
      .option('--tokens <n>', 'greedy tokens per request', parse.int(1), 12)
      .option('--batch <n>', 'requests served at once', parse.int(1), 16)
      .option(
        '--kernels <json>',
        'override the kernel set chosen for this adapter (src/kernels/kernel-set.ts), as for npm run bench',
        parse.json,
      )
      .option(
        '--runtime <runtime>',
        'where WebGPU runs: browser (headless Chromium) or node (Dawn)',
        parse.oneOf<RuntimeName>('browser', 'node'),
        'browser',
      )
      .option('--browser <path>', 'Chrome/Chromium to run (default: found automatically)')
      .option('--json', 'print one JSON object instead of the table');
    program.parse(argv, { from: 'user' });
    return main(program.opts<Opts>(), io, (m) => program.error(m));
  });
}

if (isMain(import.meta.url)) process.exitCode = await verifyCommand(process.argv.slice(2));
