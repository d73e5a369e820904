import { withRunner, type SharedBrowser } from './browser.js';
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
  /** A browser and page server already running (tests share one); a --browser given explicitly wins. */
  shared?: SharedBrowser;
  /** Keep the Node runtime's device for the next command (tests share one). */
  shareNodeGpu?: boolean;
}

/** Runs `fn` against the engine API in headless Chromium (default) or in-process under Dawn. */
export function withRuntime<T>(o: RuntimeOptions, fn: (runner: Runner) => Promise<T>): Promise<T> {
  if (o.runtime === 'node')
    return withNodeRunner({ files: o.files, onProgress: o.onProgress, onDriver: o.onDriver, share: o.shareNodeGpu }, fn);
  return withRunner(
    {
      browser: o.browser,
      headed: o.headed,
      verbose: o.verbose,
      files: o.files,
      onProgress: o.onProgress,
      shared: o.browser ? undefined : o.shared,
    },
    fn,
  );
}
