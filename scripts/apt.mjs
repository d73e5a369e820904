// Installing a Debian package the way `playwright install --with-deps` would: only
// as root with apt, saying what runs. Shared by scripts/chromium.mjs and
// scripts/vulkan-loader.mjs.
import { execFileSync } from 'node:child_process';

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** True when this process may install packages itself (root, apt-get on PATH). */
export function canAptInstall() {
  if (!isRoot()) return false;
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** apt-get update && apt-get install -y --no-install-recommends PACKAGE, output shown. */
export function aptInstall(pkg) {
  execFileSync('sh', ['-c', `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${pkg}`], {
    stdio: 'inherit',
  });
}
