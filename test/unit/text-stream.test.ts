import { describe, expect, it } from 'vitest';
import { TextStream } from '../../src/text/stream.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';
import { HARD_TEXTS, vocabulary, type VocabName } from '../support/real-models.js';

// Streaming detokenization on real vocabularies: pieces are never half a character, add up to
// the whole decoded text, and stop strings are found across token boundaries.
const tokenizer = (v: VocabName) => new TextTokenizer(vocabulary(v).parsed, vocabulary(v).parsedConfig);

describe.each(['llama2', 'llama3', 'qwen3'] as const)('TextStream over the %s vocabulary', (v) => {
  const tok = tokenizer(v);
  const prompt = tok.encode('Say:');

  it('streams every hard text in whole characters that add up to the decoded text', () => {
    for (const text of HARD_TEXTS) {
      const ids = tok.encode(text, false);
      const stream = new TextStream(tok, [], prompt);
      let out = '';
      for (const id of ids) {
        const piece = stream.push(id);
        expect(piece.text, JSON.stringify(text)).not.toMatch(/\uFFFD/);
        out += piece.text;
      }
      out += stream.flush().text;
      // What the prompt's last tokens and the reply decode to, minus the prompt's part.
      const whole = tok.decode([...prompt.slice(-4), ...ids]);
      expect(out, JSON.stringify(text)).toBe(whole.slice(tok.decode(prompt.slice(-4)).length));
    }
  });

  it('holds back a multi-byte character until its last byte comes', () => {
    const ids = tok.encode('😀', false);
    const stream = new TextStream(tok, [], prompt);
    const pieces = ids.map((id) => stream.push(id).text);
    expect(pieces.slice(0, -1).join('')).not.toContain('😀');
    expect(pieces.join('') + stream.flush().text).toContain('😀');
  });

  it('stops before a stop string, even split across tokens, and holds back what may start one', () => {
    const ids = tok.encode('The answer is 42. END of reply', false);
    const stream = new TextStream(tok, ['END', 'never appears'], prompt);
    let out = '';
    let stopped = false;
    for (const id of ids) {
      const p = stream.push(id);
      out += p.text;
      expect(out).not.toContain('END');
      if (p.stopped) {
        stopped = true;
        break;
      }
    }
    expect(stopped).toBe(true);
    // A reply's first word may come with the space a tokenizer puts before words.
    expect(out.trimStart()).toBe('The answer is 42. ');
  });
});
