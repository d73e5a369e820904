import type { TextTokenizer } from './tokenizer.js';

/** What one token adds to a streamed reply. */
export interface StreamPiece {
  /** Text safe to show now: whole UTF-8 characters only, never part of a stop string. */
  text: string;
  /** A stop string was reached: `text` ends just before it, and nothing more should be generated. */
  stopped: boolean;
}

/** How many prompt tokens seed the stream, so the first reply token decodes with its leading space. */
const CONTEXT_TOKENS = 4;

/**
 * Streaming detokenization. Token pieces do not align with characters: a byte-level or
 * byte-fallback token can end inside a UTF-8 character, and SentencePiece decoders drop the
 * space of a text's first piece. So each step decodes a short window of recent ids and emits
 * only what the window grew by, once it no longer ends in an incomplete character (U+FFFD),
 * as vLLM's incremental detokenizer does. Stop strings are found across token boundaries;
 * text that could still become one is held back until it cannot.
 */
export class TextStream {
  private readonly ids: number[];
  private prefixOffset = 0;
  private readOffset: number;
  /** The reply's text so far, and how much of it has been handed out. */
  private text = '';
  private released = 0;
  private done = false;

  constructor(
    private readonly tok: TextTokenizer,
    private readonly stops: readonly string[] = [],
    promptIds: readonly number[] = [],
  ) {
    this.ids = promptIds.slice(-CONTEXT_TOKENS);
    this.readOffset = this.ids.length;
  }

  /** Adds a generated token. */
  push(id: number): StreamPiece {
    if (this.done) return { text: '', stopped: true };
    this.ids.push(id);
    const before = this.tok.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const after = this.tok.decode(this.ids.slice(this.prefixOffset));
    if (after.length > before.length && !after.endsWith('\uFFFD')) {
      this.text += after.slice(before.length);
      this.prefixOffset = this.readOffset;
      this.readOffset = this.ids.length;
    }
    return this.release(false);
  }

  /** The end of generation: whatever was held back (an incomplete character decodes as U+FFFD). */
  flush(): StreamPiece {
    if (this.done) return { text: '', stopped: true };
    const rest = this.tok.decode(this.ids.slice(this.prefixOffset));
    const shown = this.tok.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    if (rest.length > shown.length) this.text += rest.slice(shown.length);
    return this.release(true);
  }

  /** The whole reply as released so far. */
  get output(): string {
    return this.text.slice(0, this.released);
  }

  private release(final: boolean): StreamPiece {
    let stopAt = -1;
    for (const s of this.stops) {
      const i = this.text.indexOf(s, Math.max(0, this.released - s.length + 1));
      if (i >= 0 && (stopAt < 0 || i < stopAt)) stopAt = i;
    }
    if (stopAt >= 0) {
      const text = this.text.slice(this.released, stopAt);
      this.released = stopAt;
      this.text = this.text.slice(0, stopAt);
      this.done = true;
      return { text, stopped: true };
    }
    // Hold back the longest tail that a stop string starts with.
    let hold = 0;
    if (!final)
      for (const s of this.stops)
        for (let n = Math.min(s.length - 1, this.text.length - this.released); n > hold; n--)
          if (this.text.endsWith(s.slice(0, n))) {
            hold = n;
            break;
          }
    const end = this.text.length - hold;
    const text = this.text.slice(this.released, end);
    this.released = end;
    return { text, stopped: false };
  }
}
