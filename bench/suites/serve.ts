// The serve suite: one trace of requests replayed in real time through each scheduling
// policy on the GPU, and through the simulator twin with step times calibrated just before
// each replay; latency percentiles, goodput, slowdown and each policy over serial.
import type { ChartConfiguration } from 'chart.js';
import { DEFAULT_MAX_SEQS, makePolicy, POLICY_NAMES, type Slo } from '../../src/index.js';
import { MODEL, parse } from './options.js';
import { DEFAULT_SERVE_BUDGET, DEFAULT_SLO, SATURATE, serveBench, type ServeBenchRequest, type ServeBenchResult } from './serve-bench.js';
import { describeArrivals, describeSlowdowns, describeSpeedups, SERVE_HEAD, serveCells } from './serve-format.js';
import { defineSuite, type HostContext, type OptionDef, type OptionValues, type ReportSection } from './suite.js';
import { DEFAULT_LENGTHS, describeGenerator, generatorOf, saturates, workloadOptions } from './workloads.js';
import { fmt } from '../report/format.js';

/** The workload flags `npm run simulate` takes too (its --workload and defaults differ). */
export const WORKLOAD_OPTIONS = {
  rate: {
    flags: '--rate <r>',
    help:
      `poisson: requests per second (default: ${SATURATE.loadFactor}x what continuous batching ` +
      `finishes on this engine, which saturates it)`,
    parse: parse.positive,
    value: undefined,
  } as OptionDef<number | undefined>,
  requests: {
    flags: '--requests <n>',
    help: 'poisson: requests',
    parse: parse.int(1),
    value: 24,
    byLevel: { quick: 12, full: 32 },
  } as OptionDef<number>,
  burstiness: {
    flags: '--burstiness <b>',
    help: 'poisson: Gamma shape of the gaps between arrivals (1: Poisson; below 1 burstier, above 1 smoother)',
    parse: parse.positive,
    value: 1,
  } as OptionDef<number>,
  promptTokens: {
    flags: '--prompt-tokens <lo-hi>',
    help: 'poisson: prompt lengths, uniform over LO-HI',
    parse: parse.range,
    value: DEFAULT_LENGTHS.promptTokens,
  } as OptionDef<[number, number]>,
  outputTokens: {
    flags: '--output-tokens <lo-hi>',
    help: 'poisson: output lengths, uniform over LO-HI',
    parse: parse.range,
    value: DEFAULT_LENGTHS.outputTokens,
    byLevel: { quick: DEFAULT_LENGTHS.quickOutputTokens },
  } as OptionDef<[number, number]>,
  workloadSeed: { flags: '--workload-seed <n>', help: "poisson: the generator's seed", parse: parse.int(0), value: 1 } as OptionDef<number>,
  slo: {
    flags: '--slo <spec>',
    help: "goodput's SLO: ttft:MS,tpot:MS (absolute) and/or scale:X (TTFT and TPOT within X times each request's own on an idle engine)",
    parse: parse.slo,
    value: DEFAULT_SLO,
  } as OptionDef<Slo>,
  policy: {
    flags: '--policy <names>',
    help: `comma-separated policies (${POLICY_NAMES.join(', ')})`,
    parse: (v: string) => parse.list(v).map((p) => (makePolicy(p), p)),
    value: ['serial', 'static', 'continuous'],
  } as OptionDef<string[]>,
};

const OPTIONS = {
  model: MODEL,
  ...WORKLOAD_OPTIONS,
  workload: {
    flags: '--workload <w>',
    help: 'poisson, seed, or a JSON trace file [{arrivalS, promptTokens | prompt, outputTokens}]',
    value: 'poisson',
  } as OptionDef<string>,
  maxSeqs: {
    flags: '--max-seqs <n>',
    help: 'sequences running at once (decode steps past 16 rows go through the GEMM)',
    parse: parse.int(1),
    value: DEFAULT_MAX_SEQS,
  } as OptionDef<number>,
  budget: {
    flags: '--budget <n>',
    help: 'token rows per step (a prompt chunk shares a step with the decodes)',
    parse: parse.int(1),
    value: DEFAULT_SERVE_BUDGET,
  } as OptionDef<number>,
  replays: {
    flags: '--replays <n>',
    help: 'replays of the trace per policy (each row the median one)',
    parse: parse.int(1),
    value: 1,
    byLevel: { full: 3 },
  } as OptionDef<number>,
  calibrationRepeats: {
    help: 'rounds of the step calibration before each replay',
    value: 5,
    byLevel: { quick: 3, full: 7 },
  } as OptionDef<number>,
};

type ServeOptions = OptionValues<typeof OPTIONS>;

/** What serve.json holds. */
function serveResult(out: ServeBenchResult, o: ServeOptions, host: HostContext) {
  const w = workloadOptions(o, host.given);
  const generator = generatorOf(w);
  return {
    workload: o.workload,
    ...(generator ? { generator } : {}),
    model: o.model,
    requests: out.rows[0]?.requests ?? 0,
    arrivals: { ...out.arrivals, rate: out.arrivals.rate ?? o.rate },
    maxSeqs: o.maxSeqs,
    tokenBudget: o.budget,
    slo: out.slo,
    idle: out.idle,
    calibration: out.calibration,
    rows: out.rows,
    events: out.trace,
    steps: out.steps,
  };
}

export const serveSuite = defineSuite({
  name: 'serve',
  summary: 'one trace of requests through each scheduling policy on the GPU, beside the simulator twin: throughput, TTFT, TPOT, goodput',
  inDefaultRun: true,
  options: OPTIONS,
  request: (o, host): ServeBenchRequest => {
    const w = workloadOptions(o, host.given);
    return {
      model: o.model,
      policies: o.policy,
      trace: host.loadWorkload(w),
      maxSeqs: o.maxSeqs,
      tokenBudget: o.budget,
      calibrationRepeats: o.calibrationRepeats,
      replays: o.replays,
      saturate: saturates(w) ? SATURATE : undefined,
      slo: o.slo,
    };
  },
  run: (env, req, progress) => serveBench(env, req, progress),
  result: serveResult,
  done: (r) =>
    `serve: ${r.requests} requests (${describeArrivals(r.workload, r.arrivals)}) on ` +
    `${r.model}, max ${r.maxSeqs} sequences, ${r.tokenBudget} rows per step`,
  tables: (r) => [
    {
      head: [...SERVE_HEAD, 'preempt.'],
      rows: r.rows.map((x) => [...serveCells(x), x.preemptions]),
      notes: [
        r.generator && describeGenerator({ workload: 'poisson', ...r.generator }),
        describeSpeedups(r.rows),
        describeSlowdowns(r.slo, r.idle),
      ].filter((x): x is string => x !== undefined),
    },
  ],
  report: (r) => [timelines(r), latencies(r)],
});

type ServeFile = ReturnType<typeof serveResult>;

function timelines(r: ServeFile): ReportSection {
  const charts = r.rows.map((row) => {
    const evs = r.events.filter((e) => e.policy === row.policy);
    const t = (id: string, type: string) => evs.find((e) => e.seqId === id && e.type === type)?.t;
    const ids = [...new Set(evs.map((e) => e.seqId))];
    const bars = (kind: 'queued' | 'prefill' | 'decode') =>
      ids.map((id) => {
        const [a, sc, first, fin] = [t(id, 'arrive'), t(id, 'schedule'), t(id, 'token'), t(id, 'finish')];
        const span = kind === 'queued' ? [a, sc] : kind === 'prefill' ? [sc, first] : [first, fin];
        return span[0] === undefined || span[1] === undefined ? null : (span as [number, number]);
      });
    const config: ChartConfiguration = {
      type: 'bar',
      data: {
        labels: ids,
        datasets: [
          { label: 'queued', data: bars('queued'), backgroundColor: '#bbb' },
          { label: 'prefill', data: bars('prefill'), backgroundColor: '#ff7f0e' },
          { label: 'decode', data: bars('decode'), backgroundColor: '#1f77b4' },
        ],
      },
      options: {
        indexAxis: 'y',
        plugins: {
          title: {
            display: true,
            text:
              `${row.policy}: makespan ${fmt(row.makespanS)} s, ${fmt(row.outputTokensPerSec, 1)} output ` +
              `tokens/s (${row.records.length} requests)`,
          },
        },
        scales: { x: { title: { display: true, text: 'seconds' } }, y: { stacked: true, ticks: { display: false } } },
      },
    };
    return { id: `chart-timeline-${row.policy}`, config };
  });
  return {
    title: 'Serving: the same requests under each policy',
    explain:
      `One lane per request: queued (grey), prefill (orange), decode (blue). Serial leaves ` +
      `everyone waiting; static batching leaves holes when short members finish; continuous ` +
      `batching refills them every step. Requests: ${describeArrivals(r.workload, r.arrivals)}.`,
    charts,
    tables: [],
  };
}

function latencies(r: ServeFile): ReportSection {
  const metrics = [
    ['TTFT ms', ['ttftP50Ms', 'ttftP90Ms', 'ttftP99Ms']],
    ['TPOT ms', ['tpotP50Ms', 'tpotP90Ms', 'tpotP99Ms']],
    ['E2E ms', ['e2eP50Ms', 'e2eP90Ms', 'e2eP99Ms']],
    ['slowdown (x idle E2E)', ['slowdownP50', 'slowdownP90', 'slowdownP99']],
  ] as const;
  const speedups = describeSpeedups(r.rows);
  return {
    title: 'Latency distributions',
    explain:
      `Percentiles of time to first token, time per output token, end-to-end latency and ` +
      `slowdown, per policy. ${sentence(describeSlowdowns(r.slo, r.idle))}`,
    charts: metrics.map(([metric, keys]) => ({
      id: `chart-latency-${metric.split(' ')[0]!.toLowerCase()}`,
      config: {
        type: 'bar',
        data: {
          labels: ['p50', 'p90', 'p99'],
          datasets: r.rows.map((row, i) => ({
            label: row.policy,
            data: keys.map((k) => row[k]),
            backgroundColor: `hsl(${i * 110} 55% 50%)`,
          })),
        },
        options: { plugins: { title: { display: true, text: metric } } },
      },
    })),
    tables: [{ head: SERVE_HEAD, rows: r.rows.map(serveCells), notes: speedups ? [sentence(speedups)] : [] }],
  };
}

/** A line that starts lower-case in the CLI ("goodput: ...") as a sentence of a paragraph. */
function sentence(line: string): string {
  return `${line.charAt(0).toUpperCase()}${line.slice(1)}.`;
}
