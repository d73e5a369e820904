// The Node runtime (Dawn, npm package `webgpu`) loads the Vulkan loader,
// libvulkan.so.1, which Chromium keeps to itself (/usr/lib/chromium) and a bare
// Debian lacks. `npm test` (the Node runtime's tests) and bench/gpu-check.sh run this: it finds the
// loader or installs Debian's libvulkan1 when root with apt (printing what it
// does), the way scripts/chromium.mjs installs a browser; otherwise it stops with
// the command to run. The driver itself comes from Chromium (SwiftShader) when
// the machine has no GPU driver: bench/cli/node-runtime.ts.
import { execFileSync } from 'node:child_process';
import { aptInstall, canAptInstall, isRoot } from './apt.mjs';

const INSTALL = 'apt-get update && apt-get install -y libvulkan1';

export function hasVulkanLoader() {
  try {
    return /libvulkan\.so\.1\b/.test(execFileSync('sh', ['-c', 'ldconfig -p 2>/dev/null || /sbin/ldconfig -p'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
}

export function ensureVulkanLoader() {
  if (hasVulkanLoader()) return;
  if (canAptInstall()) {
    console.log(`[vulkan] no Vulkan loader (libvulkan.so.1) for the Node runtime; installing: ${INSTALL}`);
    aptInstall('libvulkan1');
    if (hasVulkanLoader()) return;
  }
  console.error(
    `[vulkan] the Node runtime needs the Vulkan loader (libvulkan.so.1). Install it and retry:\n  ${isRoot() ? '' : 'sudo '}${INSTALL}`,
  );
  process.exit(1);
}

// Run as a script (by name: a bundle that imports this file shares its entry point's import.meta.url).
if (process.argv[1]?.endsWith('/vulkan-loader.mjs')) ensureVulkanLoader();
