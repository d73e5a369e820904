import { Template } from '@huggingface/jinja';
import { ChatTemplateError } from '../errors.js';

/** One turn of a conversation, as OpenAI's API and chat templates take them. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | (string & {});
  content: string;
}

export interface ChatTemplateTokens {
  bos?: string;
  eos?: string;
}

/**
 * A model's chat template (Jinja, from tokenizer_config.json or the GGUF's
 * tokenizer.chat_template), rendered by @huggingface/jinja as transformers renders it.
 * A template that fails to parse or render gives a ChatTemplateError naming the line.
 */
export class ChatTemplate {
  private readonly template: Template;

  constructor(
    readonly source: string,
    private readonly tokens: ChatTemplateTokens = {},
  ) {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new ChatTemplateError(parseErrorLine(source, e as Error), (e as Error).message);
    }
  }

  render(messages: readonly ChatMessage[], options: { addGenerationPrompt?: boolean; extra?: Record<string, unknown> } = {}): string {
    try {
      return this.template.render({
        messages,
        add_generation_prompt: options.addGenerationPrompt ?? true,
        bos_token: this.tokens.bos ?? '',
        eos_token: this.tokens.eos ?? '',
        ...options.extra,
      });
    } catch (e) {
      // The library's raise_exception (and strftime_now) are built in; a raised message is
      // found in the line that raises it.
      const message = (e as Error).message;
      throw new ChatTemplateError(lineOf(this.source, 'raise_exception', message), message);
    }
  }
}

/** The 1-based line of the first line holding every one of the needles (a raise_exception and its message). */
function lineOf(source: string, ...needles: string[]): number | undefined {
  const i = source.split('\n').findIndex((l) => needles.every((n) => l.includes(n)));
  return i < 0 ? undefined : i + 1;
}

/**
 * Where a parse error is: the first prefix of the template's lines that fails with the same
 * message (a prefix cut before the fault either parses or fails otherwise, at its open blocks).
 */
function parseErrorLine(source: string, error: Error): number | undefined {
  const unclosed = unclosedTagLine(source);
  if (unclosed !== undefined) return unclosed;
  const lines = source.split('\n');
  for (let n = 1; n <= lines.length; n++) {
    try {
      new Template(lines.slice(0, n).join('\n'));
    } catch (e) {
      if ((e as Error).message === error.message) return n;
    }
  }
  return undefined;
}

/** The line of the first `{{`, `{%` or `{#` that is never closed (the parser only notices at the end of input). */
function unclosedTagLine(source: string): number | undefined {
  const closers: Record<string, string> = { '{{': '}}', '{%': '%}', '{#': '#}' };
  let at = 0;
  for (;;) {
    const open = source.slice(at).search(/\{[{%#]/);
    if (open < 0) return undefined;
    const start = at + open;
    const closer = closers[source.slice(start, start + 2)]!;
    const end = source.indexOf(closer, start + 2);
    const next = source.slice(start + 2).search(/\{[{%#]/);
    // Unclosed: no closer at all, or another tag opens before this one closes.
    if (end < 0 || (next >= 0 && start + 2 + next < end)) return source.slice(0, start).split('\n').length;
    at = end + 2;
  }
}
