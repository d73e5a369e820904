// A run's report, as data: each suite's sections (its own, or its tables under its summary)
// in the registry's order, labelled with the runtime and adapter they were measured on.
import { SUITES, type BenchResults } from '../suites/registry.js';
import type { ReportSection, RunMeta, Suite } from '../suites/suite.js';
import type { ReportContent } from './draw.js';
import { describeAdapter } from './format.js';

const label = (m: RunMeta) => `${m.runtime} runtime, ${describeAdapter(m.adapter)}`;

/** The story first: decode turning memory-bound, serving, then the kernels; suites with only tables after. */
const FIRST = ['sweep', 'serve', 'kernels'];

export function reportContent(results: BenchResults): ReportContent {
  const files = results as Record<string, (object & RunMeta) | undefined>;
  const sections: ReportSection[] = [];
  let first: RunMeta | undefined;
  const suites = [...(SUITES as readonly Suite<string, unknown, unknown, unknown, object>[])];
  const rank = (s: Suite<string, unknown, unknown, unknown, object>) => (FIRST.includes(s.name) ? FIRST.indexOf(s.name) : FIRST.length);
  for (const s of suites.sort((a, b) => rank(a) - rank(b))) {
    const file = files[s.name];
    if (!file) continue;
    first ??= file;
    const own = s.report ? s.report(file) : [{ title: `${s.name}: ${s.summary}`, explain: '', charts: [], tables: s.tables(file) }];
    sections.push(...own.map((x) => ({ ...x, explain: `${x.explain} [${label(file)}]`.trim() })));
  }
  return { header: first ? `${label(first)}; ${first.date}` : 'No results.', cancelled: Boolean(results.cancelled), sections };
}
