import { withRunner } from './browser.js';
import { withNodeRunner, type Runner } from './node-runtime.js';

export type RuntimeName = 'browser' | 'node';

export interface RuntimeOptions {
  runtime: RuntimeName;
  browser?: string;
  headed?: boolean;
  verbose?: boolean;
  files?: Record<string, Uint8Array>;
  onProgress?: (message: string) => void;
  onDriver?: (description: string) => void;
}

/** Runs `fn` against the engine API in headless Chromium (default) or in-process under Dawn. */
export function withRuntime<T>(o: RuntimeOptions, fn: (runner: Runner) => Promise<T>): Promise<T> {
  if (o.runtime === 'node') return withNodeRunner({ files: o.files, onProgress: o.onProgress, onDriver: o.onDriver }, fn);
  return withRunner({ browser: o.browser, headed: o.headed, verbose: o.verbose, files: o.files, onProgress: o.onProgress }, fn);
}
