// npm run generate -- --prompt "text" --max-tokens N [--model tiny|small|...]
//   [--weights FILE.safetensors] [--backend webgpu|cpu] [--json]
// Greedy generation on the GPU (headless Chromium) or on the CPU reference.
import { checkRequest, CpuModel, DEFAULT_PRESET, decode, encode, EOS, PRESETS, type WeightDtype } from '../../src/index.js';
import { withRuntime, type RuntimeName } from './runtime.js';
import { ensureChromium } from '../../scripts/chromium.mjs';
import { loadWeights, parse, unwrap } from './common.js';
import { command, isMain, line, processIo, runCommand, sharing, type CommandIo } from './io.js';
import { describeAdapter } from '../report/format.js';

interface Opts {
  prompt?: string;
  tokens?: string;
  maxTokens: number;
  model: string;
  weights?: string;
  dtype: WeightDtype;
  seed: number;
  backend: 'webgpu' | 'cpu';
  runtime: RuntimeName;
  stopAtEos?: boolean;
  json?: boolean;
  promptLogits?: boolean;
  browser?: string;
  headed?: boolean;
  verbose?: boolean;
}

async function main(o: Opts, io: CommandIo, fail: (message: string) => never): Promise<void> {
  if (o.prompt === undefined && o.tokens === undefined) fail('give --prompt "text" or --tokens 1,2,3');
  const prompt = o.tokens !== undefined ? o.tokens.split(',').map((s) => Number(s.trim())) : encode(o.prompt!);
  if (o.backend === 'webgpu' && o.runtime === 'browser' && !o.browser && !io.browser) ensureChromium({ quiet: true });
  const out = (text: string) => line(io.stdout, text);
  const { weights, fileBytes } = loadWeights(o);
  checkRequest(weights.config, prompt, o.maxTokens); // fail before starting a browser
  const stopAt = o.stopAtEos ? EOS : undefined;
  // The weights travel to the runtime as a served file, when they come from one.
  const files = fileBytes ? { '/__weights__.safetensors': fileBytes } : undefined;
  const modelRequest = { model: o.model, dtype: o.dtype, seed: o.seed, weightsUrl: files ? '/__weights__.safetensors' : undefined };
  if (o.promptLogits) {
    if (o.backend === 'cpu') fail('--prompt-logits compares GPU runtimes; use --backend webgpu');
    const bits = await withRuntime({ runtime: o.runtime, browser: o.browser, files, ...sharing(io) }, async (runner) =>
      unwrap(await runner.call('promptLogits', { ...modelRequest, prompt })),
    );
    out(JSON.stringify({ runtime: o.runtime, rows: prompt.length, vocab: weights.config.vocab, logitBits: bits }));
    return;
  }
  let result: { tokens: number[]; prefillMs: number; decodeMs: number; decodeTokensPerSec: number; adapter: unknown };
  if (o.backend === 'cpu') {
    const t = { prefillMs: 0, decodeMs: 0 };
    const tokens = new CpuModel(weights).generate(prompt, o.maxTokens, stopAt, t);
    const decodeTokensPerSec = tokens.length > 1 ? ((tokens.length - 1) * 1000) / t.decodeMs : 0;
    result = { tokens, ...t, decodeTokensPerSec, adapter: { vendor: 'cpu', architecture: 'reference (plain loops)' } };
  } else {
    result = await withRuntime(
      { runtime: o.runtime, browser: o.browser, headed: o.headed, files, verbose: o.verbose, ...sharing(io) },
      async (runner) => unwrap(await runner.call('generate', { ...modelRequest, prompt, maxTokens: o.maxTokens, stopAt })),
    );
  }
  const text = decode(result.tokens);
  const model = o.weights ? `${o.weights} (${weights.dtype})` : `${o.model} (${o.dtype}, synthetic seed ${o.seed})`;
  if (o.json) {
    out(
      JSON.stringify({
        backend: o.backend,
        runtime: o.backend === 'cpu' ? 'cpu' : o.runtime,
        model,
        promptTokens: prompt.length,
        ...result,
        text,
      }),
    );
    return;
  }
  const a = result.adapter as { vendor: string; architecture: string; isFallbackAdapter?: boolean };
  out(`model ${model}, backend ${o.backend}${o.backend === 'webgpu' ? ` (${o.runtime})` : ''} on ${describeAdapter(a)}`);
  out(`prompt: ${prompt.length} tokens`);
  out(`text: ${JSON.stringify(text)}`);
  out(`tokens: ${result.tokens.join(',')}`);
  out(
    `prefill: ${result.prefillMs.toFixed(1)} ms   decode: ` +
      `${result.decodeTokensPerSec.toFixed(1)} tokens/s (${result.tokens.length - 1} tokens in ` +
      `${result.decodeMs.toFixed(1)} ms)`,
  );
}

export async function generateCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  return runCommand(io, async () => {
    const program = command('generate', io)
      .description('Generate tokens greedily with the engine on WebGPU (headless Chromium) or the CPU reference.')
      .option('--prompt <text>', 'prompt text (byte tokens, BOS first)')
      .option('--tokens <ids>', 'prompt as comma-separated token ids instead of text')
      .option('--max-tokens <n>', 'tokens to generate', parse.int(1), 32)
      .option(
        '--model <name>',
        `model preset (${Object.keys(PRESETS).join(', ')}); with --weights, the config to check the file against`,
        DEFAULT_PRESET,
      )
      .option('--weights <file>', 'a Llama .safetensors checkpoint (f32, f16 or bf16) instead of synthetic weights')
      .option('--dtype <dtype>', 'synthetic weights stored as f32 or f16', parse.oneOf<WeightDtype>('f32', 'f16'), 'f32')
      .option('--seed <n>', 'seed of the synthetic weights', parse.int(0), 1234)
      .option('--backend <backend>', 'webgpu or cpu', parse.oneOf('webgpu', 'cpu'), 'webgpu')
      .option(
        '--runtime <runtime>',
        'where WebGPU runs: browser (headless Chromium) or node (Dawn)',
        parse.oneOf<RuntimeName>('browser', 'node'),
        'browser',
      )
      .option('--stop-at-eos', 'stop early when EOS is generated')
      .option('--json', 'print one JSON object')
      .option(
        '--prompt-logits',
        'instead of generating, print the logits of every prompt row as f32 bit patterns (JSON), to compare runtimes bit for bit',
      )
      .option('--browser <path>', 'Chrome/Chromium to run (default: found automatically)')
      .option('--headed', 'show the browser window')
      .option('--verbose', "print the page's console");
    program.parse(argv, { from: 'user' });
    await main(program.opts<Opts>(), io, (m) => program.error(m));
  });
}

if (isMain(import.meta.url)) process.exitCode = await generateCommand(process.argv.slice(2));
