// Draws the benchmark results with Chart.js: used by report.html (bundled by
// bench/cli/report.ts, openable from disk). Every chart says the runtime and
// the adapter, and a table of the same numbers sits beside it.
import { Chart, registerables, type ChartConfiguration } from 'chart.js';
import { describeAdapter, describeArrivals, describeSlowdowns, describeSpeedups, fmt, MiB, SERVE_HEAD, serveCells } from './format.js';

Chart.register(...registerables);

/** The result files of one run, as `npm run bench` writes them (any may be missing). */
export interface BenchResults {
  ceilings?: any;
  kernels?: any;
  sweep?: any;
  decode?: any;
  serve?: any;
  tune?: any; // written to tune.json; the report does not draw it
}

function section(root: HTMLElement, title: string, explain: string): HTMLElement {
  const s = document.createElement('section');
  s.innerHTML = `<h2>${title}</h2><p class="explain">${explain}</p>`;
  root.appendChild(s);
  return s;
}

function chart(parent: HTMLElement, config: ChartConfiguration, id: string): void {
  const box = document.createElement('div');
  box.className = 'chart';
  const canvas = document.createElement('canvas');
  canvas.id = id;
  box.appendChild(canvas);
  parent.appendChild(box);
  new Chart(canvas, { ...config, options: { animation: false, responsive: true, maintainAspectRatio: false, ...config.options } });
}

function table(parent: HTMLElement, head: string[], rows: (string | number)[][]): void {
  const t = document.createElement('table');
  t.innerHTML = `<thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody>`;
  parent.appendChild(t);
}

function label(r: any): string {
  const a = r?.adapter;
  return a ? `${r.runtime ?? 'browser'} runtime, ${describeAdapter(a)}` : '';
}

export function renderReport(root: HTMLElement, results: BenchResults): void {
  const any = results.sweep ?? results.kernels ?? results.ceilings ?? results.decode ?? results.serve;
  const header = document.createElement('p');
  header.className = 'adapter';
  header.textContent = any ? `${label(any)}; ${any.date ?? ''}` : 'No results.';
  root.appendChild(header);
  if ((results as { cancelled?: boolean }).cancelled) {
    const p = document.createElement('p');
    p.className = 'warning';
    p.textContent = 'This run was cancelled: only the suites that finished are shown.';
    root.appendChild(p);
  }

  if (results.sweep) {
    const sw = results.sweep;
    const c = sw.ceilings;
    const s = section(
      root,
      'Decode turns memory-bound as the weights grow',
      `Each decode step reads every weight once. Measured tokens/s at batch 1 (from GPU timestamps) against the weights' size, beside the cost model and two bounds measured on this device: the bandwidth roofline (read ceiling ${fmt(c.readGBps)} GB/s over the weight bytes) and the overhead floor (no step is faster than its dispatches at ${fmt(c.dependentDispatchUs ?? c.dispatchOverheadUs, 1)} us each, each waiting for the one before). Small models stay under both: a step has other fixed costs (the readback, tiny kernels that leave the device idle), which is the regime where batching and fewer dispatches pay. Past about ${fmt(sw.overheadFloorEndsAtBytes / MiB, 1)} MiB reading the weights costs more than the dispatches, and the dots bend onto the roofline. [${label(sw)}]`,
    );
    const pts = (dtype: string, key: string) =>
      sw.rows.filter((r: any) => r.dtype === dtype).map((r: any) => ({ x: r.weightBytes / MiB, y: r[key] }));
    const sizes = sw.rows.map((r: any) => r.weightBytes / MiB).sort((a: number, b: number) => a - b);
    const roof = sizes.map((m: number) => ({ x: m, y: (c.readGBps * 1e9) / (m * MiB) }));
    // The floor: a step can go no faster than its dispatches, however small the weights.
    const floorTps = (c.readGBps * 1e9) / sw.overheadFloorEndsAtBytes;
    const floor = [sizes[0], sizes[sizes.length - 1]].map((m: number) => ({ x: m, y: floorTps }));
    chart(
      s,
      {
        type: 'scatter',
        data: {
          datasets: [
            { label: 'measured f32', data: pts('f32', 'tokensPerSec'), backgroundColor: '#1f77b4' },
            { label: 'measured f16', data: pts('f16', 'tokensPerSec'), backgroundColor: '#ff7f0e' },
            {
              label: 'modelled f32',
              data: pts('f32', 'modelledTokensPerSec'),
              showLine: true,
              borderColor: '#1f77b4',
              borderDash: [4, 4],
              pointRadius: 0,
            },
            {
              label: 'modelled f16',
              data: pts('f16', 'modelledTokensPerSec'),
              showLine: true,
              borderColor: '#ff7f0e',
              borderDash: [4, 4],
              pointRadius: 0,
            },
            { label: 'bandwidth roofline', data: roof, showLine: true, borderColor: '#2ca02c', pointRadius: 0 },
            { label: 'dispatch-overhead floor', data: floor, showLine: true, borderColor: '#d62728', pointRadius: 0 },
          ],
        },
        options: {
          scales: {
            x: { type: 'logarithmic', title: { display: true, text: 'weight bytes (MiB)' } },
            y: { type: 'logarithmic', title: { display: true, text: 'decode tokens/s (batch 1)' } },
          },
        },
      },
      'chart-roofline',
    );
    table(
      s,
      [
        'model',
        'dtype',
        'weights MiB',
        'ms/token',
        'tok/s',
        'GB/s',
        'of read ceiling',
        'of reads beside',
        'modelled tok/s',
        'measured/modelled',
        '(ceilings suite)',
      ],
      // Older result files have no reads beside the steps (the dashes).
      sw.rows.map((r: any) => [
        r.config,
        r.dtype,
        fmt(r.weightBytes / MiB, 1),
        fmt(r.msPerToken.median),
        fmt(r.tokensPerSec, 1),
        fmt(r.achievedGBps),
        `${fmt(r.fractionOfReadBandwidth * 100, 0)}%`,
        r.fractionOfAdjacentRead === undefined ? '-' : `${fmt(r.fractionOfAdjacentRead * 100, 0)}%`,
        fmt(r.modelledTokensPerSec, 1),
        fmt(r.measuredOverModelled),
        r.modelledFromCeilingsTokensPerSec === undefined ? '-' : fmt(r.tokensPerSec / r.modelledFromCeilingsTokensPerSec),
      ]),
    );

    const f = section(
      root,
      'How close to the ceilings',
      `Left: decode's achieved bandwidth as a fraction of the read ceiling, per model size. Right: prefill's GFLOP/s as a fraction of the FMA peak (${fmt(c.fmaGflops)} GFLOP/s), per prompt length: prefill is compute-bound where decode is memory-bound.`,
    );
    chart(
      f,
      {
        type: 'bar',
        data: {
          labels: sw.rows.filter((r: any) => r.dtype === 'f32').map((r: any) => `${fmt(r.weightBytes / MiB, 1)} MiB`),
          datasets: ['f32', 'f16'].map((d, i) => ({
            label: `${d} of read ceiling`,
            data: sw.rows.filter((r: any) => r.dtype === d).map((r: any) => r.fractionOfReadBandwidth),
            backgroundColor: i ? '#ff7f0e' : '#1f77b4',
          })),
        },
        options: { scales: { y: { min: 0, max: 1, title: { display: true, text: 'fraction of read ceiling' } } } },
      },
      'chart-bandwidth',
    );
    chart(
      f,
      {
        type: 'line',
        data: {
          labels: sw.prefill.map((r: any) => r.promptTokens),
          datasets: [{ label: 'prefill GFLOP/s / FMA peak', data: sw.prefill.map((r: any) => r.fractionOfPeak), borderColor: '#9467bd' }],
        },
        options: {
          scales: {
            y: { min: 0, title: { display: true, text: 'fraction of FMA peak' } },
            x: { title: { display: true, text: 'prompt tokens' } },
          },
        },
      },
      'chart-prefill',
    );

    if (sw.batched?.length) {
      const first = sw.batched[0];
      const b = section(
        root,
        'Batched decode: the weights are read once for every sequence',
        `Decode steps of B sequences on ${first.config} (${fmt(first.weightBytes / MiB, 1)} MiB of f32 weights), one row each. First: the step's time over B = 1's (dashed: 1x, what an adapter bound only by reading the weights would keep). Second: tokens per second over all B sequences. [${label(sw)}]`,
      );
      const batches = [...new Set(sw.batched.map((r: any) => r.batch))] as number[];
      const per = (d: string, key: string) =>
        batches.map((B) => sw.batched.find((r: any) => r.dtype === d && r.batch === B)?.[key] ?? null);
      const dtypes = [...new Set(sw.batched.map((r: any) => r.dtype))] as string[];
      const colour = (d: string) => (d === 'f16' ? '#ff7f0e' : '#1f77b4');
      chart(
        b,
        {
          type: 'line',
          data: {
            labels: batches,
            datasets: [
              ...dtypes.map((d) => ({ label: `${d}: step time / B = 1`, data: per(d, 'overB1'), borderColor: colour(d) })),
              { label: 'weights read once (1x)', data: batches.map(() => 1), borderColor: '#2ca02c', borderDash: [4, 4], pointRadius: 0 },
            ],
          },
          options: {
            scales: {
              y: { min: 0, title: { display: true, text: 'x the B = 1 step' } },
              x: { title: { display: true, text: 'sequences per step (B)' } },
            },
          },
        },
        'chart-batched-ratio',
      );
      chart(
        b,
        {
          type: 'bar',
          data: {
            labels: batches,
            datasets: dtypes.map((d) => ({ label: `${d} tokens/s`, data: per(d, 'tokensPerSec'), backgroundColor: colour(d) })),
          },
          options: {
            scales: {
              y: { title: { display: true, text: 'decode tokens/s, all sequences' } },
              x: { title: { display: true, text: 'sequences per step (B)' } },
            },
          },
        },
        'chart-batched-tps',
      );
    }

    if (sw.profiles?.length) {
      const k = section(
        root,
        'Where a step spends its time',
        'GPU time per kernel (summed over layers) of one prefill and one decode step, each kernel in its own timestamped pass.',
      );
      const kernels = [...new Set(sw.profiles.flatMap((p: any) => Object.keys(p.kernelsMs)))] as string[];
      chart(
        k,
        {
          type: 'bar',
          data: {
            labels: sw.profiles.map((p: any) => `${p.step} (${p.rows} rows)`),
            datasets: kernels.map((name, i) => ({
              label: name,
              data: sw.profiles.map((p: any) => p.kernelsMs[name] ?? 0),
              backgroundColor: `hsl(${(i * 47) % 360} 60% 55%)`,
            })),
          },
          options: { indexAxis: 'y', scales: { x: { stacked: true, title: { display: true, text: 'GPU ms' } }, y: { stacked: true } } },
        },
        'chart-kernels',
      );
    }
  }

  if (results.serve) {
    const sv = results.serve;
    const s = section(
      root,
      'Serving: the same requests under each policy',
      `One lane per request: queued (grey), prefill (orange), decode (blue). Serial leaves everyone waiting; static batching leaves holes when short members finish; continuous batching refills them every step.${sv.arrivals ? ` Requests: ${describeArrivals(sv.workload ?? 'trace', sv.arrivals)}.` : ''} [${label(sv)}]`,
    );
    for (const row of sv.rows) {
      const reqs = row.records as any[];
      const evs = (sv.events as any[]).filter((e) => e.policy === row.policy);
      const t = (id: string, type: string) => evs.find((e) => e.seqId === id && e.type === type)?.t;
      const ids = [...new Set(evs.map((e) => e.seqId))];
      const bars = (kind: 'queued' | 'prefill' | 'decode') =>
        ids.map((id) => {
          const a = t(id, 'arrive');
          const sc = t(id, 'schedule');
          const first = t(id, 'token');
          const fin = t(id, 'finish');
          const span = kind === 'queued' ? [a, sc] : kind === 'prefill' ? [sc, first] : [first, fin];
          return span[0] === undefined || span[1] === undefined ? null : span;
        });
      chart(
        s,
        {
          type: 'bar',
          data: {
            labels: ids,
            datasets: [
              { label: 'queued', data: bars('queued') as any, backgroundColor: '#bbb' },
              { label: 'prefill', data: bars('prefill') as any, backgroundColor: '#ff7f0e' },
              { label: 'decode', data: bars('decode') as any, backgroundColor: '#1f77b4' },
            ],
          },
          options: {
            indexAxis: 'y',
            plugins: {
              title: {
                display: true,
                text: `${row.policy}: makespan ${fmt(row.makespanS)} s, ${fmt(row.outputTokensPerSec, 1)} output tokens/s (${reqs.length} requests)`,
              },
            },
            scales: { x: { title: { display: true, text: 'seconds' } }, y: { stacked: true, ticks: { display: false } } },
          },
        },
        `chart-timeline-${row.policy}`,
      );
    }
    const l = section(
      root,
      'Latency distributions',
      `Percentiles of time to first token, time per output token, end-to-end latency and slowdown, per policy. ${sv.slo && sv.idle ? sentence(describeSlowdowns(sv.slo, sv.idle)) : ''}`,
    );
    for (const [metric, keys] of [
      ['TTFT ms', ['ttftP50Ms', 'ttftP90Ms', 'ttftP99Ms']],
      ['TPOT ms', ['tpotP50Ms', 'tpotP90Ms', 'tpotP99Ms']],
      ['E2E ms', ['e2eP50Ms', 'e2eP90Ms', 'e2eP99Ms']],
      ['slowdown (x idle E2E)', ['slowdownP50', 'slowdownP90', 'slowdownP99']],
    ] as const)
      chart(
        l,
        {
          type: 'bar',
          data: {
            labels: ['p50', 'p90', 'p99'],
            datasets: sv.rows.map((r: any, i: number) => ({
              label: r.policy,
              data: keys.map((k) => r[k]),
              backgroundColor: `hsl(${i * 110} 55% 50%)`,
            })),
          },
          options: { plugins: { title: { display: true, text: metric } } },
        },
        `chart-latency-${metric.split(' ')[0]!.toLowerCase()}`,
      );
    table(l, SERVE_HEAD, sv.rows.map(serveCells));
    const speedups = describeSpeedups(sv.rows);
    if (speedups) {
      const p = document.createElement('p');
      p.textContent = sentence(speedups);
      l.appendChild(p);
    }
  }

  if (results.kernels) {
    const s = section(
      root,
      'Kernels alone',
      `GEMV (decode) and GEMM (prefill) timed alone, against this run's ceilings, and each GEMV against the read ceilings over its own weight buffer timed in turn with it (on a shared machine the adapter's speed drifts from minute to minute). [${label(results.kernels)}]`,
    );
    table(
      s,
      ['kernel', 'dtype', 'M (B)', 'K', 'N', 'ms', 'GB/s', 'of read ceiling', 'of ceiling timed beside it', 'GFLOP/s', 'of FMA peak'],
      results.kernels.rows.map((r: any) => [
        r.kernel,
        r.dtype,
        r.M,
        r.K,
        r.N,
        fmt(r.ms.median),
        fmt(r.achievedGBps),
        `${fmt((r.fractionOfReadBandwidth ?? NaN) * 100, 0)}%`,
        r.fractionOfAdjacentRead === undefined
          ? '-'
          : `${fmt(r.fractionOfAdjacentRead * 100, 0)}%` +
            (r.dtype === 'f16' ? ` (f16 roof ${fmt(r.fractionOfAdjacentDtypeCeiling * 100, 0)}%)` : ''),
        fmt(r.gflops),
        `${fmt((r.fractionOfPeak ?? NaN) * 100, 0)}%`,
      ]),
    );
    const peers: any[] = results.kernels.peers ?? [];
    if (peers.length) {
      const p = section(
        root,
        'Beside a peer',
        'The same f32 shapes through other WebGPU engines on this adapter and device, timed on the same clock (timestamps from empty passes submitted just before and after their work).',
      );
      table(
        p,
        ['peer', 'kernel', 'M', 'K', 'N', 'peer ms', 'peer GFLOP/s', 'ours ms', 'ours GFLOP/s', 'ours faster by'],
        peers.map((r) => [
          r.peer,
          r.kernel,
          r.M,
          r.K,
          r.N,
          fmt(r.ms.median),
          fmt(r.gflops),
          fmt(r.oursMs),
          fmt(r.oursGflops),
          `${fmt(r.speedup, 1)}x`,
        ]),
      );
    }
    const peerErrors: string[] = results.kernels.peerErrors ?? [];
    if (peerErrors.length) section(root, 'Peers not measured', peerErrors.join('; '));
  }
}

/** A line that starts lower-case in the CLI ("goodput: ...") as a sentence of a paragraph. */
function sentence(line: string): string {
  return `${line.charAt(0).toUpperCase()}${line.slice(1)}.`;
}
