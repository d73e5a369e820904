import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS } from './scripts/browser-flags.mjs';
import { findChromium, INSTALL_HINT } from './scripts/chromium.mjs';

// GPU tests run in headless Chromium (SwiftShader's WebGPU on machines without a GPU).
// `npm test` runs scripts/chromium.mjs first, which finds or installs a browser.
const executablePath = findChromium();

export default defineConfig({
  test: {
    // The browser project takes one worker; two more let the e2e files (each mostly
    // waiting on a command it started) run two at a time beside it. With the default two
    // they ran one after another, the suite's critical path: 621 of 641 s on this 2-core VM.
    maxWorkers: 3,
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 120_000 },
      },
      {
        // The commands as a person runs them (they start their own headless Chromium).
        // Two of these run at once beside the browser project (maxWorkers), so each takes
        // longer than alone: the quick bench took 125-140 s alone and past 300 s so.
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], environment: 'node', testTimeout: 600_000 },
      },
      {
        test: {
          name: 'gpu',
          include: ['test/gpu/**/*.browser.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: {
                executablePath: executablePath ?? `missing-chromium (install: ${INSTALL_HINT})`,
                args: CHROMIUM_ARGS,
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
