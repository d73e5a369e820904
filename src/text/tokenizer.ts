import { Tokenizer } from '@huggingface/tokenizers';
import { ChatTemplateError } from '../errors.js';
import { ChatTemplate, type ChatMessage } from './chat.js';

/** A special token's text in tokenizer_config.json: a string, or an object with its `content` (AddedToken form). */
export function specialTokenText(config: Record<string, unknown>, key: string): string | undefined {
  const t = config[key];
  return typeof t === 'string' ? t : (t as { content?: string } | null | undefined)?.content;
}

/**
 * A real model's text side: its tokenizer (tokenizer.json, or one made from a GGUF's
 * vocabulary), the ids that end a reply, and its chat template. @huggingface/tokenizers does
 * the tokenizing; this class adds what generation needs around it.
 */
export class TextTokenizer {
  private readonly tok: Tokenizer;
  /** Ids that end generation: the model's EOS and whatever generation_config.json adds (end-of-turn tokens). */
  readonly eosIds: ReadonlySet<number>;
  readonly bosId: number | undefined;
  readonly chatTemplate: ChatTemplate | undefined;

  constructor(
    tokenizerJson: object,
    tokenizerConfig: Record<string, unknown>,
    options: { eosIds?: readonly number[]; chatTemplate?: string } = {},
  ) {
    this.tok = new Tokenizer(tokenizerJson, tokenizerConfig);
    const idOf = (key: string) => {
      const content = specialTokenText(tokenizerConfig, key);
      return content === undefined ? undefined : this.tok.token_to_id(content);
    };
    this.bosId = idOf('bos_token');
    const eos = idOf('eos_token');
    this.eosIds = new Set([...(options.eosIds ?? []), ...(eos === undefined ? [] : [eos])]);
    const template =
      options.chatTemplate ?? (typeof tokenizerConfig.chat_template === 'string' ? tokenizerConfig.chat_template : undefined);
    this.chatTemplate =
      template === undefined
        ? undefined
        : new ChatTemplate(template, {
            bos: specialTokenText(tokenizerConfig, 'bos_token'),
            eos: specialTokenText(tokenizerConfig, 'eos_token'),
          });
  }

  /** Text to ids; `addSpecial` adds what the tokenizer adds to a whole input (BOS for most Llamas). */
  encode(text: string, addSpecial = true): number[] {
    return this.tok.encode(text, { add_special_tokens: addSpecial }).ids;
  }

  /** Ids to text; special tokens are dropped unless asked for. */
  decode(ids: readonly number[], keepSpecial = false): string {
    if (ids.length === 0) return '';
    return this.tok.decode([...ids], { skip_special_tokens: !keepSpecial, clean_up_tokenization_spaces: false });
  }

  /** A token's text as the vocabulary holds it (for messages and tables). */
  piece(id: number): string | undefined {
    return this.tok.id_to_token(id);
  }

  /**
   * The prompt of a conversation: the template's text, tokenized without adding a BOS when
   * the template wrote one itself (else it would be there twice).
   */
  encodeChat(messages: readonly ChatMessage[]): { text: string; ids: number[] } {
    if (!this.chatTemplate) throw new ChatTemplateError(undefined, 'this model has no chat template; give it plain text instead');
    const text = this.chatTemplate.render(messages);
    const bos = this.bosId === undefined ? undefined : this.tok.id_to_token(this.bosId);
    return { text, ids: this.encode(text, !(bos && text.startsWith(bos))) };
  }
}
