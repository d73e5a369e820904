// Prints the slowest test groups when a run ends (each file's top-level describe blocks),
// so a slow suite says where to look first.
import type { Reporter, TestModule } from 'vitest/node';

const SHOWN = 10;

export default class SlowestGroups implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules.flatMap((m) => {
      const file = m.moduleId.replace(`${process.cwd()}/`, '');
      return [...m.children.suites()].map((s) => {
        let ms = 0;
        for (const t of s.children.allTests()) ms += t.diagnostic()?.duration ?? 0;
        return { name: `${m.project.name}: ${file} > ${s.name}`, ms };
      });
    });
    const slowest = rows.sort((a, b) => b.ms - a.ms).slice(0, SHOWN);
    if (!slowest.length) return;
    const lines = slowest.map((r) => `  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.name}`);
    process.stdout.write(`\nSlowest test groups (time in their tests; projects run side by side):\n${lines.join('\n')}\n`);
  }
}
