import { accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS } from '../../scripts/browser-flags.mjs';
import { findChromium, INSTALL_HINT } from '../../scripts/chromium.mjs';
import type { EngineRunner } from '../suites/api.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export class BrowserSetupError extends Error {}

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
    const page = await browser.newPage();
    page.on('console', (m) => {
      const text = m.text();
      if (text.startsWith('[progress] ')) options.onProgress?.(text.slice(11));
      else if (options.verbose) process.stderr.write(`[page] ${text}\n`);
    });
    page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
    for (const [path, body] of Object.entries(options.files ?? {}))
      await page.route(`**${path}`, (route) =>
        route.fulfill({ body: Buffer.from(body.buffer, body.byteOffset, body.byteLength), contentType: 'application/octet-stream' }),
      );
    const url = server.resolvedUrls?.local[0] ?? `http://localhost:${(server.httpServer?.address() as { port: number }).port}/`;
    await page.goto(new URL('bench/runner.html', url).href);
    await page.waitForFunction(() => 'engineRunner' in window, undefined, { timeout: 60_000 });
    return await fn(new RunnerHandle(page));
  } finally {
    await browser.close();
    await server.close();
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
