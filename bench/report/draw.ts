// Draws report sections (bench/suites/suite.ts, ReportSection: charts as Chart.js configs and
// tables as data) into a page: report.html's script and the bench page both use it, so what
// the page shows live is what the report shows from disk.
import { Chart, registerables } from 'chart.js';
import type { ReportSection, Table } from '../suites/suite.js';

Chart.register(...registerables);

/** What a report shows: the line about the run, whether it was cancelled, and each suite's sections. */
export interface ReportContent {
  header: string;
  cancelled: boolean;
  sections: ReportSection[];
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function table(parent: HTMLElement, t: Table): void {
  const el = document.createElement('table');
  const cells = (row: (string | number)[], tag: string) => row.map((c) => `<${tag}>${escape(String(c))}</${tag}>`).join('');
  el.innerHTML = `<thead><tr>${cells(t.head, 'th')}</tr></thead><tbody>${t.rows.map((r) => `<tr>${cells(r, 'td')}</tr>`).join('')}</tbody>`;
  parent.appendChild(el);
  for (const note of t.notes ?? []) {
    const p = document.createElement('p');
    p.textContent = note;
    parent.appendChild(p);
  }
}

export function drawReport(root: HTMLElement, content: ReportContent): void {
  const header = document.createElement('p');
  header.className = 'adapter';
  header.textContent = content.header;
  root.appendChild(header);
  if (content.cancelled) {
    const p = document.createElement('p');
    p.className = 'warning';
    p.textContent = 'This run was cancelled: only the suites that finished are shown.';
    root.appendChild(p);
  }
  for (const s of content.sections) {
    const section = document.createElement('section');
    section.innerHTML = '<h2></h2><p class="explain"></p>';
    section.querySelector('h2')!.textContent = s.title;
    section.querySelector('p')!.textContent = s.explain;
    root.appendChild(section);
    for (const c of s.charts) {
      const box = document.createElement('div');
      box.className = 'chart';
      const canvas = document.createElement('canvas');
      canvas.id = c.id;
      box.appendChild(canvas);
      section.appendChild(box);
      new Chart(canvas, { ...c.config, options: { animation: false, responsive: true, maintainAspectRatio: false, ...c.config.options } });
    }
    for (const t of s.tables) table(section, t);
  }
}
