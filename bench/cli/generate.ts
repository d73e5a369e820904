// npm run generate -- --prompt "text" --max-tokens N [--model tiny|small|...|PATH]
//   [--chat [--system text] | --messages FILE.json] [--stop text]... [--weights FILE.safetensors]
//   [--backend webgpu|cpu] [--json]
// Greedy generation on the GPU (headless Chromium or Dawn) or on the CPU reference, with a
// synthetic preset (byte tokens) or a real model: a Hugging Face folder or a .gguf file.
import { readFileSync } from 'node:fs';
import {
  type ChatMessage,
  checkRequest,
  CpuModel,
  DEFAULT_PRESET,
  decode,
  encode,
  EngineError,
  EOS,
  type LoadedModel,
  PRESETS,
  saveCheckpoint,
  TextStream,
  type WeightDtype,
} from '../../src/index.js';
import { loadModelPath } from '../../src/load/node-files.js';
import { withRuntime, type RuntimeName } from './runtime.js';
import { ensureChromium } from '../../scripts/chromium.mjs';
import { isModelPath, loadWeights, parse, unwrap } from './common.js';
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
  chat?: boolean;
  system?: string;
  messages?: string;
  stop: string[];
  context?: number;
  ignoreEos?: boolean;
  json?: boolean;
  promptLogits?: boolean;
  browser?: string;
  headed?: boolean;
  verbose?: boolean;
}

/** The conversation --chat, --system and --messages describe. */
function chatMessages(o: Opts, fail: (message: string) => never): ChatMessage[] {
  if (o.messages) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(o.messages, 'utf8'));
    } catch (e) {
      fail(`--messages ${o.messages}: ${(e as Error).message}`);
    }
    const isTurn = (m: unknown) => {
      const t = m as { role?: unknown; content?: unknown } | null;
      return typeof t?.role === 'string' && typeof t.content === 'string';
    };
    const ok = Array.isArray(parsed) && parsed.every(isTurn);
    if (!ok) fail(`--messages ${o.messages} must hold a JSON list of { "role": ..., "content": ... }`);
    return parsed as ChatMessage[];
  }
  if (o.prompt === undefined) fail('--chat needs --prompt "text" (the user turn)');
  return [...(o.system === undefined ? [] : [{ role: 'system', content: o.system }]), { role: 'user', content: o.prompt }];
}

/** The prompt's ids: given as ids, a real model's tokenizer (or its chat template), or byte tokens. */
function promptIds(o: Opts, real: LoadedModel | undefined, fail: (message: string) => never): number[] {
  if (o.tokens !== undefined) return o.tokens.split(',').map((s) => Number(s.trim()));
  const chat = o.chat || o.messages !== undefined;
  if (!real) {
    if (chat || o.system !== undefined)
      fail('--chat, --system and --messages need a real model: --model PATH (a Hugging Face folder or a .gguf)');
    return encode(o.prompt!);
  }
  if (!chat) return real.tokenizer.encode(o.prompt!);
  if (!real.tokenizer.chatTemplate) fail(`${real.name} has no chat template; leave out --chat`);
  return real.tokenizer.encodeChat(chatMessages(o, fail)).ids;
}

async function main(o: Opts, io: CommandIo, fail: (message: string) => never): Promise<void> {
  if (o.prompt === undefined && o.tokens === undefined && o.messages === undefined)
    fail('give --prompt "text", --messages FILE or --tokens 1,2,3');
  const real = isModelPath(o.model) ? await loadModelPath(o.model, { contextLength: o.context }) : undefined;
  if (!real && !(o.model in PRESETS))
    throw new EngineError(
      'BAD_MODEL_FILES',
      `--model ${o.model}: neither a preset (${Object.keys(PRESETS).join(', ')}) nor a folder or .gguf file`,
    );
  const prompt = promptIds(o, real, fail);
  if (o.backend === 'webgpu' && o.runtime === 'browser' && !o.browser && !io.browser) ensureChromium({ quiet: true });
  const out = (text: string) => line(io.stdout, text);
  // A real model's weights travel to the runtime as one checkpoint with its whole config.
  const { weights, fileBytes } = real ? { weights: real.weights, fileBytes: saveCheckpoint(real.weights) } : await loadWeights(o);
  checkRequest(weights.config, prompt, o.maxTokens); // fail before starting a browser
  const stopIds = o.ignoreEos ? [] : real ? [...real.tokenizer.eosIds] : o.stopAtEos ? [EOS] : [];
  // The weights travel to the runtime as a served file, when they come from one.
  const files = fileBytes ? { '/__weights__.safetensors': fileBytes } : undefined;
  const modelRequest = {
    model: real ? DEFAULT_PRESET : o.model,
    dtype: o.dtype,
    seed: o.seed,
    weightsUrl: files ? '/__weights__.safetensors' : undefined,
  };
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
    const tokens = new CpuModel(weights).generate(prompt, o.maxTokens, stopIds, t);
    const decodeTokensPerSec = tokens.length > 1 ? ((tokens.length - 1) * 1000) / t.decodeMs : 0;
    result = { tokens, ...t, decodeTokensPerSec, adapter: { vendor: 'cpu', architecture: 'reference (plain loops)' } };
  } else {
    result = await withRuntime(
      { runtime: o.runtime, browser: o.browser, headed: o.headed, files, verbose: o.verbose, ...sharing(io) },
      async (runner) => unwrap(await runner.call('generate', { ...modelRequest, prompt, maxTokens: o.maxTokens, stopIds })),
    );
  }
  const { text, tokens, finish } = real
    ? replyText(real, prompt, result.tokens, o.stop, new Set(stopIds))
    : byteText(result.tokens, stopIds, o.maxTokens);
  result.tokens = tokens;
  const model = real
    ? `${real.name} (${real.format === 'hf' ? 'Hugging Face folder' : 'GGUF'}, ${real.family} family, ${weights.dtype})`
    : o.weights
      ? `${o.weights} (${weights.dtype})`
      : `${o.model} (${o.dtype}, synthetic seed ${o.seed})`;
  if (o.json) {
    out(
      JSON.stringify({
        backend: o.backend,
        runtime: o.backend === 'cpu' ? 'cpu' : o.runtime,
        model,
        promptTokens: prompt.length,
        promptIds: prompt,
        ...result,
        text,
        finish,
      }),
    );
    return;
  }
  const a = result.adapter as { vendor: string; architecture: string; isFallbackAdapter?: boolean };
  out(`model ${model}, backend ${o.backend}${o.backend === 'webgpu' ? ` (${o.runtime})` : ''} on ${describeAdapter(a)}`);
  out(`prompt: ${prompt.length} tokens`);
  out(`text: ${JSON.stringify(text)}${finish === 'length' ? '' : ` (stopped at ${finish === 'eos' ? 'an end token' : 'a stop string'})`}`);
  out(`tokens: ${result.tokens.join(',')}`);
  out(
    `prefill: ${result.prefillMs.toFixed(1)} ms   decode: ` +
      `${result.decodeTokensPerSec.toFixed(1)} tokens/s (${result.tokens.length - 1} tokens in ` +
      `${result.decodeMs.toFixed(1)} ms)`,
  );
}

/**
 * A real model's reply: the generated ids detokenized as they would stream (whole characters,
 * cut before the first stop string); the tokens are cut there too, and an end token is dropped.
 */
function replyText(real: LoadedModel, prompt: number[], ids: number[], stops: string[], endIds: ReadonlySet<number>) {
  const stream = new TextStream(real.tokenizer, stops, prompt);
  let text = '';
  for (let i = 0; i < ids.length; i++) {
    if (endIds.has(ids[i]!)) return { text: text + stream.flush().text, tokens: ids.slice(0, i + 1), finish: 'eos' as const };
    const piece = stream.push(ids[i]!);
    text += piece.text;
    if (piece.stopped) return { text, tokens: ids.slice(0, i + 1), finish: 'stop' as const };
  }
  return { text: text + stream.flush().text, tokens: ids, finish: 'length' as const };
}

function byteText(ids: number[], stopIds: number[], maxTokens: number) {
  const finish = ids.length < maxTokens || stopIds.includes(ids[ids.length - 1]!) ? ('eos' as const) : ('length' as const);
  return { text: decode(ids), tokens: ids, finish };
}

export async function generateCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  return runCommand(io, async () => {
    const program = command('generate', io)
      .description('Generate tokens greedily with the engine on WebGPU (headless Chromium) or the CPU reference.')
      .option('--prompt <text>', "prompt text (a real model's tokens; byte tokens, BOS first, for presets); with --chat the user turn")
      .option('--tokens <ids>', 'prompt as comma-separated token ids instead of text')
      .option('--max-tokens <n>', 'tokens to generate', parse.int(1), 32)
      .option(
        '--model <name|path>',
        `a Hugging Face model folder or a .gguf file, or a preset with synthetic weights (${Object.keys(PRESETS).join(', ')}); ` +
          'with --weights, the preset to check the file against',
        DEFAULT_PRESET,
      )
      .option('--chat', "apply the model's chat template to --system and --prompt")
      .option('--system <text>', 'the system turn, with --chat')
      .option('--messages <file>', 'a JSON list of {role, content} turns to apply the chat template to')
      .option('--stop <text>', 'stop before this text (may be given several times)', (v: string, all: string[]) => [...all, v], [])
      .option('--context <n>', 'positions to allocate for a real model (default: its own, at most 2048)', parse.int(1))
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
      .option('--ignore-eos', 'real models: generate all --max-tokens, past end tokens (to compare with other engines)')
      .option('--stop-at-eos', 'presets: stop early when EOS is generated (real models always stop at their end tokens)')
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
