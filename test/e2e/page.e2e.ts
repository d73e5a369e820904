import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Download } from 'playwright';
import { describe, expect, inject, it } from 'vitest';
import { findChromium } from '../../scripts/chromium.mjs';
import { ARCHS, ggufOf, tinyReal } from '../support/real-models.js';

// The page from the shared page server, in the shared browser (setup.ts).
const shared = inject('sharedBrowser');
const url = new URL('bench/index.html', shared.baseUrl).href;
const connect = () => chromium.connect(shared.wsEndpoint);

/** A download's JSON (the browser is remote: saved here first). */
async function downloaded(d: Download): Promise<{ [k: string]: any }> {
  const path = join(mkdtempSync(join(tmpdir(), 'page-')), d.suggestedFilename());
  await d.saveAs(path);
  return JSON.parse(readFileSync(path, 'utf8')) as { [k: string]: any };
}

async function open(browser: Browser) {
  const page = await browser.newPage({ acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  return { page, errors };
}

describe('the bench page', () => {
  it('chats with a GGUF picked from disk: its chat template, the reply streamed in, nothing uploaded', async () => {
    const a = ARCHS.find((x) => x.arch === 'llama2')!;
    const file = join(mkdtempSync(join(tmpdir(), 'page-')), 'tiny-llama2.gguf');
    writeFileSync(file, ggufOf(a, tinyReal(a, 'f32')));
    const browser = await connect();
    const { page, errors } = await open(browser);
    const requests: string[] = [];
    page.on('request', (r) => r.method() !== 'GET' && requests.push(`${r.method()} ${r.url()}`));
    await page.waitForSelector('.adapter-info');
    await page.setInputFiles('#chat-file', file);
    await page.waitForFunction(() => /llama family/.test(document.getElementById('chat-status')!.textContent ?? ''), undefined, {
      timeout: 120_000,
    });
    await page.fill('#chat-system', 'Be brief.');
    await page.fill('#chat-input', 'Hi 👋');
    await page.click('#chat-send');
    await page.waitForFunction(() => /tokens; prefill/.test(document.getElementById('chat-status')!.textContent ?? ''), undefined, {
      timeout: 120_000,
    });
    expect(await page.textContent('#chat-log')).toMatch(/^you Hi 👋\s*model/);
    // Synthetic weights say nothing sensible, but they say something: the streamed reply.
    expect((await page.textContent('#chat-log .reply'))!.length).toBeGreaterThan(0);
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await browser.close();
  });

  it('shows the adapter, runs a suite end to end, draws its plots and downloads the results', async () => {
    const browser = await connect();
    const { page, errors } = await open(browser);
    await page.waitForSelector('.adapter-info');
    expect(await page.textContent('#gpu')).toMatch(/swiftshader|software adapter|\w+/);
    await page.selectOption('#suite', 'serve');
    await page.selectOption('#model', 'tiny');
    await page.fill('#requests', '4');
    await page.click('#run');
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'done', undefined, { timeout: 240_000 });
    const canvases = await page.$$eval('canvas', (cs) => cs.map((c) => c.width * c.height));
    expect(canvases.length).toBeGreaterThanOrEqual(6); // three timelines, three latency charts
    for (const area of canvases) expect(area).toBeGreaterThan(0);
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.byteLength).toBeGreaterThan(20_000);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    const json = await downloaded(download);
    expect(json.serve.rows.map((r: { policy: string }) => r.policy)).toEqual(['serial', 'static', 'continuous']);
    const [traceDl] = await Promise.all([page.waitForEvent('download'), page.click('#download-trace')]);
    expect((await downloaded(traceDl)).traceEvents.length).toBeGreaterThan(10);
    expect(errors).toEqual([]);
    await browser.close();
  });

  it('keeps and marks partial results when cancelled half way', async () => {
    const browser = await connect();
    const { page } = await open(browser);
    await page.waitForSelector('.adapter-info');
    await page.selectOption('#suite', 'sweep'); // ceilings first, then several seconds of sweep steps
    await page.click('#run');
    await page.waitForFunction(() => /sweep: decode/.test(document.getElementById('status')!.textContent ?? ''), undefined, {
      timeout: 120_000,
    });
    await page.click('#cancel');
    await page.waitForFunction(() => /cancelled/.test(document.getElementById('status')!.textContent ?? ''), undefined, {
      timeout: 120_000,
    });
    // Said once, by the report (the page used to add its own second notice).
    expect((await page.textContent('#report'))!.match(/This run was cancelled: only the suites that finished are shown/g)).toHaveLength(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    const json = await downloaded(download);
    expect(json.cancelled).toBe(true);
    expect(json.ceilings.readGBps).toBeGreaterThan(0);
    await browser.close();
  });

  it('says what to enable on a browser without WebGPU instead of a blank page', async () => {
    const browser = await chromium.launch({ executablePath: findChromium(), args: ['--disable-gpu', '--disable-features=WebGPU'] });
    const { page } = await open(browser);
    await page.waitForFunction(() => !/Looking for/.test(document.getElementById('gpu')!.textContent ?? ''));
    expect(await page.textContent('#gpu')).toMatch(/--enable-unsafe-webgpu/);
    await browser.close();
  });
});
