import { accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type ConsoleMessage, type Page, type Route } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS } from '../../scripts/browser-flags.mjs';
import { findChromium, INSTALL_HINT } from '../../scripts/chromium.mjs';
import type { EngineRunner } from '../suites/api.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export class BrowserSetupError extends Error {}

/**
 * A Chromium (playwright's launchServer) and a Vite server of this repository already
 * running, shared by in-process commands (the tests): each process opens the runner page
 * once and every command calls into it, so its device and compiled pipelines are shared.
 */
export interface SharedBrowser {
  wsEndpoint: string;
  /** The page server's base URL, e.g. http://localhost:5173/ */
  baseUrl: string;
}

/** This process's runner page in each shared browser. */
const sharedPages = new Map<string, Promise<Page>>();

function sharedPage(shared: SharedBrowser): Promise<Page> {
  let page = sharedPages.get(shared.wsEndpoint);
  if (!page) {
    page = (async () => {
      const browser = await chromium.connect(shared.wsEndpoint);
      const p = await browser.newPage();
      p.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
      await p.goto(new URL('bench/runner.html', shared.baseUrl).href);
      await p.waitForFunction(() => 'engineRunner' in window, undefined, { timeout: 60_000 });
      return p;
    })();
    sharedPages.set(shared.wsEndpoint, page);
  }
  return page;
}

export interface BrowserOptions {
  /** Chrome/Chromium to launch; default: found by scripts/chromium.mjs. */
  browser?: string;
  headed?: boolean;
  /** Extra files the page may fetch, by URL path (for example a weights file). */
  files?: Record<string, Uint8Array>;
  /** Print the page's console to stderr. */
  verbose?: boolean;
  /** Receives the page's `[progress] ...` console lines. */
  onProgress?: (message: string) => void;
  /** Open the runner page in this browser and server instead of starting them. */
  shared?: SharedBrowser;
}

function browserPath(given?: string): string {
  const path = given ?? findChromium();
  if (!path) throw new BrowserSetupError(`No Chrome/Chromium found. Install one: ${INSTALL_HINT}`);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new BrowserSetupError(`--browser ${path} is not an executable file`);
  }
  return path;
}

/**
 * Serves the repository with Vite on localhost (WebGPU needs a secure origin,
 * and localhost is one), opens bench/runner.html in headless Chromium with
 * WebGPU enabled, and hands `fn` the page's engine runner.
 */
export async function withRunner<T>(options: BrowserOptions, fn: (runner: RunnerHandle) => Promise<T>): Promise<T> {
  if (options.shared) return withPage(await sharedPage(options.shared), options, fn);
  const executablePath = browserPath(options.browser);
  const server = await createServer({
    root,
    configFile: resolve(root, 'vite.config.ts'),
    logLevel: 'error',
    server: { host: 'localhost', port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  const browser = await chromium.launch({ executablePath, headless: !options.headed, args: CHROMIUM_ARGS }).catch((e: Error) => {
    throw new BrowserSetupError(`Could not start ${executablePath} as Chromium: ${e.message.split('\n')[0]}`);
  });
  try {
    const url = server.resolvedUrls?.local[0] ?? `http://localhost:${(server.httpServer?.address() as { port: number }).port}/`;
    return await onRunnerPage(browser, url, options, fn);
  } finally {
    await browser.close();
    await server.close();
  }
}

/** Opens bench/runner.html from `baseUrl` in a new page and hands `fn` its engine runner; the page is closed after. */
async function onRunnerPage<T>(
  browser: Browser,
  baseUrl: string,
  options: BrowserOptions,
  fn: (runner: RunnerHandle) => Promise<T>,
): Promise<T> {
  const page = await browser.newPage();
  try {
    page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
    await page.goto(new URL('bench/runner.html', baseUrl).href);
    await page.waitForFunction(() => 'engineRunner' in window, undefined, { timeout: 60_000 });
    return await withPage(page, options, fn);
  } finally {
    await page.close();
  }
}

/** Hands `fn` the runner of an open runner page, with this command's console forwarding and files for as long as it runs. */
async function withPage<T>(page: Page, options: BrowserOptions, fn: (runner: RunnerHandle) => Promise<T>): Promise<T> {
  const onConsole = (m: ConsoleMessage) => {
    const text = m.text();
    if (text.startsWith('[progress] ')) options.onProgress?.(text.slice(11));
    else if (options.verbose) process.stderr.write(`[page] ${text}\n`);
  };
  page.on('console', onConsole);
  const routes = Object.entries(options.files ?? {}).map(([path, body]) => ({
    url: `**${path}`,
    handler: (route: Route) =>
      route.fulfill({ body: Buffer.from(body.buffer, body.byteOffset, body.byteLength), contentType: 'application/octet-stream' }),
  }));
  try {
    for (const r of routes) await page.route(r.url, r.handler);
    return await fn(new RunnerHandle(page));
  } finally {
    page.off('console', onConsole);
    for (const r of routes) await page.unroute(r.url, r.handler);
  }
}

/** Calls into window.engineRunner from Node. */
export class RunnerHandle {
  constructor(readonly page: Page) {}

  call<K extends keyof EngineRunner>(name: K, ...args: Parameters<EngineRunner[K]>): ReturnType<EngineRunner[K]> {
    return this.page.evaluate(
      ([n, a]) =>
        (window as unknown as { engineRunner: Record<string, (...x: unknown[]) => unknown> }).engineRunner[n as string]!(
          ...(a as unknown[]),
        ),
      [name, args] as const,
    ) as ReturnType<EngineRunner[K]>;
  }
}
