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
 * encoded in: on these VMs code size matters besides the count (a loop body past the
 * CPU's instruction caches ran up to 1.9x slower with fewer instructions; README).
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
