import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS } from './scripts/browser-flags.mjs';
import { findChromium, INSTALL_HINT } from './scripts/chromium.mjs';

// GPU tests run in headless Chromium (SwiftShader's WebGPU on machines without a GPU).
// `npm test` runs scripts/chromium.mjs first, which finds or installs a browser.
const executablePath = findChromium();

export default defineConfig({
  test: {
    reporters: ['default', './test/slowest-reporter.ts'],
    // Two workers on two cores: the GPU tests' browser and the e2e file, side by side (the
    // unit files go first, in seconds).
    maxWorkers: 2,
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 120_000 },
      },
      {
        // The commands as a person runs them, in-process (test/e2e/all.test.ts), beside the GPU tests.
        test: {
          name: 'e2e',
          include: ['test/e2e/all.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          globalSetup: ['test/e2e/setup.ts'],
        },
      },
      {
        test: {
          name: 'gpu',
          include: ['test/gpu/**/*.browser.test.ts'],
          // Every file in one page: one device (test/gpu/helpers.ts, gpu()), so a kernel
          // compiled for one file serves the next instead of compiling again per file.
          isolate: false,
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
