// Finds a Chrome/Chromium for the GPU tests, the CLI and the bench, or installs
// Debian's `chromium` the way `playwright install --with-deps` would (root + apt).
// Playwright's own browser download cannot work on these machines, so every
// launch passes the path found here as `executablePath`.
import { accessSync, constants } from 'node:fs';
import { aptInstall, canAptInstall, isRoot } from './apt.mjs';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

export const INSTALL_HINT = 'apt-get update && apt-get install -y chromium   (or set CHROME_PATH=/path/to/chrome)';

const executable = (p) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The browser to launch: $CHROME_PATH, $CHROMIUM_PATH, then the usual places; undefined if none. */
export function findChromium() {
  for (const env of ['CHROME_PATH', 'CHROMIUM_PATH']) {
    const p = process.env[env];
    if (p) {
      if (!executable(p)) throw new Error(`${env}=${p} is not an executable file`);
      return p;
    }
  }
  return CANDIDATES.find(executable);
}

/** Finds a browser, installing Debian's chromium when root with apt; otherwise exits with the command to run. */
export function ensureChromium({ quiet = false } = {}) {
  const found = findChromium();
  if (found) {
    if (!quiet) console.log(`[chromium] using ${found}`);
    return found;
  }
  if (canAptInstall()) {
    console.log("[chromium] no Chrome/Chromium found; installing Debian's chromium: apt-get update && apt-get install -y chromium");
    aptInstall('chromium');
    const p = findChromium();
    if (p) return p;
  }
  console.error(`[chromium] no Chrome/Chromium found. Install one and retry:\n  ${isRoot() ? '' : 'sudo '}${INSTALL_HINT}`);
  process.exit(1);
}

// Run as a script (by name: a bundle that imports this file shares its entry point's import.meta.url).
if (process.argv[1]?.endsWith('/chromium.mjs')) ensureChromium({ quiet: process.argv.includes('--quiet') });
