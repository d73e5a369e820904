// report.html's script: reads the embedded results and draws them.
import { renderReport, type BenchResults } from './render.js';

const data = JSON.parse(document.getElementById('bench-data')!.textContent!) as BenchResults;
renderReport(document.getElementById('report')!, data);
