// Pure helpers of bench/cli/jit-count.ts: where SwiftShader's JIT code sits in a process,
// which part of it the samples fall in, and what instructions that part holds.

/** An executable mapping of SwiftShader's JIT code (/proc/PID/maps line `memfd:swiftshader_jit`). */
export interface JitMapping {
  start: number;
  end: number;
}

/** The executable swiftshader_jit mappings listed in a /proc/PID/maps text. */
export function jitMappings(maps: string): JitMapping[] {
  const out: JitMapping[] = [];
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) r-xp .*swiftshader_jit/.exec(line);
    if (m) out.push({ start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16) });
  }
  return out;
}

/**
 * The mapping holding the most of the sampled addresses (SwiftShader adds mappings as it
 * compiles more; the kernel under test is in whichever the samples fall in), with the
 * samples as offsets into it. Undefined when no sample falls in any.
 */
export function busiestMapping(mappings: JitMapping[], ips: number[]): { mapping: JitMapping; offsets: number[] } | undefined {
  let best: { mapping: JitMapping; offsets: number[] } | undefined;
  for (const mapping of mappings) {
    const offsets = ips.filter((ip) => ip >= mapping.start && ip < mapping.end).map((ip) => ip - mapping.start);
    if (offsets.length && (!best || offsets.length > best.offsets.length)) best = { mapping, offsets };
  }
  return best;
}

/**
 * The hot span of a mapping: from the first to the last `bucket`-byte slice holding
 * more than `minShare` of the samples (offsets from the mapping's start). A kernel's
 * inner loop is one long straight-line block on SwiftShader (its loops are not
 * unrolled, its bodies are), so the span is that block; two hot blocks far apart
 * give one span over both, which `samplesIn` shows.
 */
export function hotSpan(offsets: number[], bucket = 4096, minShare = 0.004): { start: number; end: number; samplesIn: number } | undefined {
  const counts = new Map<number, number>();
  for (const o of offsets) counts.set(Math.floor(o / bucket), (counts.get(Math.floor(o / bucket)) ?? 0) + 1);
  const hot = [...counts].filter(([, n]) => n > offsets.length * minShare).map(([b]) => b);
  if (!hot.length) return undefined;
  const start = Math.min(...hot) * bucket;
  const end = (Math.max(...hot) + 1) * bucket;
  return { start, end, samplesIn: offsets.filter((o) => o >= start && o < end).length };
}

/**
 * Instructions in `objdump -D` text, in all and per mnemonic, and the bytes they are
 * encoded in: on these VMs code size matters besides the count (docs/results.md, "JIT
 * instruction counts").
 */
export function countInstructions(objdump: string): { total: number; bytes: number; byMnemonic: Map<string, number> } {
  const byMnemonic = new Map<string, number>();
  let total = 0;
  let bytes = 0;
  for (const line of objdump.split('\n')) {
    // "   1a2b:\t0f 58 84 24 70 66 00 \taddps  0x6670(%rsp),%xmm0"; continuation lines of
    // long encodings carry bytes but no mnemonic.
    const m = /^\s*[0-9a-f]+:\t([0-9a-f]{2}(?: [0-9a-f]{2})*) *(?:\t(\S+))?/.exec(line);
    if (!m || m[2] === '(bad)') continue;
    bytes += m[1]!.split(' ').length;
    if (!m[2]) continue;
    total++;
    byMnemonic.set(m[2], (byMnemonic.get(m[2]) ?? 0) + 1);
  }
  return { total, bytes, byMnemonic };
}

/**
 * The loop a kernel spends its time in: the smallest span from a backward jump's target
 * to the jump that holds at least `share` of the samples (`offsets` are into the code,
 * as the objdump addresses are), widened to any earlier target of a backward jump from
 * inside it. The hot block is bucket-wide and holds code around the loop too, so this
 * is the body to set beside the CPU's op cache (4K ops on Zen 3; docs/results.md, "JIT
 * instruction counts"). Undefined when no backward jump spans that share.
 */
export function loopSpan(objdump: string, offsets: number[], share = 0.8): { start: number; end: number } | undefined {
  const jumps: { at: number; target: number }[] = [];
  for (const line of objdump.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t[0-9a-f ]+\t(j[a-z]+)\s+0x([0-9a-f]+)/.exec(line);
    const at = m ? parseInt(m[1]!, 16) : 0;
    const target = m ? parseInt(m[3]!, 16) : 0;
    if (m && target < at) jumps.push({ at, target });
  }
  const sorted = [...offsets].sort((a, b) => a - b);
  const within = (lo: number, hi: number) => upperBound(sorted, hi) - upperBound(sorted, lo - 1);
  let best: { start: number; end: number } | undefined;
  for (const { at, target } of jumps)
    if (within(target, at) >= share * offsets.length && (!best || at - target < best.end - best.start)) best = { start: target, end: at };
  if (!best) return undefined;
  // A loop may have a second back edge inside its body, to a header before the first
  // one's target (Subzero's loops test k < K at the top and jump back to the body): the
  // loop starts at the earliest such target.
  const inner = best;
  const start = Math.min(inner.start, ...jumps.filter((j) => j.at >= inner.start && j.at <= inner.end).map((j) => j.target));
  return { start, end: inner.end };
}

/** How many of the sorted values are <= x. */
function upperBound(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The lines of objdump text whose addresses lie in [start, end]. */
export function linesBetween(objdump: string, start: number, end: number): string {
  return objdump
    .split('\n')
    .filter((line) => {
      const m = /^\s*([0-9a-f]+):/.exec(line);
      const at = m ? parseInt(m[1]!, 16) : -1;
      return at >= start && at <= end;
    })
    .join('\n');
}

/**
 * objdump text with each line prefixed by the perf samples taken at its address (`offsets`
 * into the code, as the addresses are), like `perf annotate`: where a loop's time goes,
 * not only what it holds. A sample lands on the instruction being retired when the timer
 * fired, often the one just after a stall, so read the counts by neighbourhood.
 */
export function annotateSamples(objdump: string, offsets: number[]): string {
  const counts = new Map<number, number>();
  for (const o of offsets) counts.set(o, (counts.get(o) ?? 0) + 1);
  const width = String(Math.max(0, ...counts.values())).length;
  return objdump
    .split('\n')
    .map((line) => {
      const m = /^\s*([0-9a-f]+):/.exec(line);
      const n = m ? (counts.get(parseInt(m[1]!, 16)) ?? 0) : 0;
      return `${(n ? String(n) : '').padStart(width)} ${line}`;
    })
    .join('\n');
}
