// Once for every end-to-end file: one Vite server of the repository and one headless
// Chromium (playwright's browser server), which the commands run in-process by the tests
// open their runner pages in, and the page tests their pages. Starting both per command
// (as a person's run does) cost most of the suite's time.
import { resolve } from 'node:path';
import { chromium } from 'playwright';
import { createServer } from 'vite';
import type { TestProject } from 'vitest/node';
import { CHROMIUM_ARGS } from '../../scripts/browser-flags.mjs';
import { findChromium } from '../../scripts/chromium.mjs';
import type { SharedBrowser } from '../../bench/cli/browser.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sharedBrowser: SharedBrowser;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = resolve(import.meta.dirname, '../..');
  const server = await createServer({
    root,
    configFile: resolve(root, 'vite.config.ts'),
    logLevel: 'error',
    server: { host: 'localhost', port: 0, hmr: false },
  });
  await server.listen();
  const browser = await chromium.launchServer({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  project.provide('sharedBrowser', { wsEndpoint: browser.wsEndpoint(), baseUrl: server.resolvedUrls!.local[0]! });
  return async () => {
    await browser.close();
    await server.close();
  };
}
