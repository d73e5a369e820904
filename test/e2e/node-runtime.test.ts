import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);


// The Node runtime's compute runs are not in CI: on these sandboxed machines
// Dawn's SwiftShader crashes the process in most runs ("std::system_error",
// a pthread priority assertion, SIGSEGV at exit), while the same kernels run
// fine in Chromium. The runs it does finish give the browser's tokens; see the
// README. What CI checks is the setup path, which starts no compute.
describe('the Node runtime (Dawn)', () => {
  it('says what to install when no Vulkan driver gives an adapter', async () => {
    const env = { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json' };
    let r: { code: number; stderr: string };
    try {
      await run('npm', ['run', '-s', 'generate', '--', '--model', 'tiny', '--prompt', 'x', '--max-tokens', '2', '--runtime', 'node'], { env });
      r = { code: 0, stderr: '' };
    } catch (e) {
      r = e as { code: number; stderr: string };
    }
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[NO_ADAPTER\].*libvulkan1/);
  });
});
