import { it } from 'vitest';
import { preset } from '../../src/model/config.js';
import { syntheticWeights } from '../../src/model/weights.js';
import { encode } from '../../src/model/tokenizer.js';
import { Engine } from '../../src/serve/engine.js';
import { gpu } from './helpers.js';

it('dbg', async () => {
  const ctx = await gpu();
  for (const policy of ['serial', 'static']) for (const withLogits of [true]) {
    const engine = await Engine.create(ctx, syntheticWeights(preset('tiny')), { policy, maxSeqs: 4, tokenBudget: 32, onLogits: withLogits ? () => {} : undefined });
    let steps = 0;
    const orig = (engine as any).step.bind(engine);
    (engine as any).step = async (plan: any) => { if (steps++ < 100) console.log(policy, withLogits, 'step', steps, JSON.stringify(plan.items.map((i: any) => [i.seqId, i.kind, i.tokens.length, i.sample]))); return orig(plan); };
    const PROMPTS = [
  encode('short'),
  encode('a medium prompt that is about forty bytes'),
  encode('x'),
  encode('a long prompt, long enough that a budget of 32 rows must split it into three chunks or more. '),
  encode('another one'),
  encode('the last, of moderate length'),
];
const OUT = [12, 5, 20, 8, 16, 3];
    const hs = PROMPTS.map((tokens, i) => engine.submit({ tokens, maxTokens: OUT[i]! }));
    const t = setTimeout(() => console.log('STUCK', policy, withLogits, steps, JSON.stringify(engine.scheduler.running.map((s) => [s.id, s.computed, s.length, s.generated.length])), JSON.stringify(engine.scheduler.waiting.map((s) => s.id))), 8000);
    await Promise.race([Promise.all(hs.map((h) => h.result)), new Promise((r) => setTimeout(r, 9000))]);
    clearTimeout(t);
    console.log('done', policy, withLogits, steps);
    engine.destroy();
  }
}, 60000);
