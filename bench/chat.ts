// The page's chat: a model from the user's disk (a .gguf file or a Hugging Face folder, by
// file picker or drag and drop; read in slices, uploaded nowhere), its chat template, and the
// reply streamed token by token as the GPU makes it, beside the benchmark plots.
import {
  type ChatMessage,
  EngineError,
  generate,
  type GpuContext,
  GpuModel,
  type OpenedModel,
  openModelFiles,
  TextStream,
} from '../src/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const MAX_REPLY_TOKENS = 256;

interface Loaded {
  real: OpenedModel;
  model: GpuModel;
}

/** Wires the chat panel to the page's GPU (available once the page found an adapter). */
export function setUpChat(gpu: () => GpuContext | undefined): void {
  const status = $('chat-status');
  const log = $('chat-log');
  const input = $<HTMLTextAreaElement>('chat-input');
  const system = $<HTMLInputElement>('chat-system');
  const send = $<HTMLButtonElement>('chat-send');
  let loaded: Loaded | undefined;
  let messages: ChatMessage[] = [];
  let busy = false;

  const say = (text: string, warn = false) => {
    status.textContent = text;
    status.className = warn ? 'warning' : '';
  };

  async function load(files: File[]): Promise<void> {
    const ctx = gpu();
    if (!ctx) return say('No WebGPU adapter on this page: the model cannot run here.', true);
    if (busy || files.length === 0) return;
    busy = true;
    send.disabled = true;
    say(`Reading ${files.length === 1 ? files[0]!.name : `${files.length} files`}...`);
    try {
      loaded?.model.destroy();
      loaded = undefined;
      const real = await openModelFiles(files);
      say(`Reading ${real.name} into the GPU, a layer at a time...`);
      const model = await GpuModel.create(ctx, real.weights);
      await real.close();
      loaded = { real, model };
      messages = [];
      log.textContent = '';
      const c = real.weights.config;
      say(
        `${real.name}: ${real.family} family, ${c.layers} layers, ${c.vocab} tokens, ${real.weights.dtype} weights, ` +
          `${(model.weightBytes / 2 ** 20).toFixed(0)} MiB read per token` +
          (real.tokenizer.chatTemplate ? '' : ' (no chat template: plain completion)'),
      );
      send.disabled = false;
    } catch (e) {
      say(e instanceof EngineError ? `${e.code}: ${e.message}` : (e as Error).message, true);
    } finally {
      busy = false;
    }
  }

  async function reply(): Promise<void> {
    if (!loaded || busy || !input.value.trim()) return;
    busy = true;
    send.disabled = true;
    const { real, model } = loaded;
    const user = input.value;
    input.value = '';
    if (messages.length === 0 && system.value.trim()) messages.push({ role: 'system', content: system.value });
    messages.push({ role: 'user', content: user });
    const turn = document.createElement('div');
    turn.className = 'turn';
    turn.innerHTML = '<b>you</b> <span></span><br><b>model</b> <span class="reply"></span>';
    turn.querySelector('span')!.textContent = user;
    const out = turn.querySelector<HTMLElement>('.reply')!;
    log.append(turn);
    try {
      const prompt = real.tokenizer.chatTemplate ? real.tokenizer.encodeChat(messages).ids : real.tokenizer.encode(user);
      const room = model.config.contextLength - prompt.length;
      if (room < 1)
        throw new EngineError(
          'CONTEXT_OVERFLOW',
          `the conversation (${prompt.length} tokens) fills the context; load the model again to start over`,
        );
      const stream = new TextStream(real.tokenizer, [], prompt);
      let text = '';
      const result = await generate(model, prompt, {
        maxTokens: Math.min(MAX_REPLY_TOKENS, room),
        stopIds: [...real.tokenizer.eosIds],
        onToken: (id) => {
          if (real.tokenizer.eosIds.has(id)) return;
          text += stream.push(id).text;
          out.textContent = text;
        },
      });
      text += stream.flush().text;
      out.textContent = text;
      messages.push({ role: 'assistant', content: text });
      say(
        `${result.tokens.length} tokens; prefill ${result.prefillMs.toFixed(0)} ms, ` +
          `decode ${result.decodeTokensPerSec.toFixed(1)} tokens/s`,
      );
    } catch (e) {
      say(e instanceof EngineError ? `${e.code}: ${e.message}` : (e as Error).message, true);
    } finally {
      busy = false;
      send.disabled = false;
    }
  }

  for (const id of ['chat-file', 'chat-folder'])
    $<HTMLInputElement>(id).addEventListener('change', (e) => void load(Array.from((e.target as HTMLInputElement).files ?? [])));
  const drop = $('chat');
  drop.addEventListener('dragover', (e) => e.preventDefault());
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    void load(Array.from(e.dataTransfer?.files ?? []));
  });
  send.addEventListener('click', () => void reply());
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void reply();
    }
  });
}
