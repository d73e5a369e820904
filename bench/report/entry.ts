// report.html's script: draws the report content embedded in the page.
import { drawReport, type ReportContent } from './draw.js';

const content = JSON.parse(document.getElementById('bench-data')!.textContent) as ReportContent;
drawReport(document.getElementById('report')!, content);
