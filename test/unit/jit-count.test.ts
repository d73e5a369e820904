import { describe, expect, it } from 'vitest';
import { annotateSamples, busiestMapping, countInstructions, hotSpan, jitMappings, linesBetween, loopSpan } from '../../bench/jit/count.js';

describe('JIT instruction counts (bench/cli/jit-count.ts)', () => {
  it('finds the executable swiftshader_jit mappings only', () => {
    const maps = [
      '7fa29c000000-7fa29c0c4000 rw-p 00000000 00:00 0',
      '7fa29c0c4000-7fa29c17d000 r-xp 00000000 00:01 548286                     /memfd:swiftshader_jit (deleted)',
      '7fa29c17d000-7fa29c180000 r--p 00000000 00:01 548286                     /memfd:swiftshader_jit (deleted)',
      '7fa29f1e2000-7fa29f1e4000 r-xp 00000000 00:00 0                          [vdso]',
    ].join('\n');
    expect(jitMappings(maps)).toEqual([{ start: 0x7fa29c0c4000, end: 0x7fa29c17d000 }]);
  });

  it('takes the mapping most samples fall in, as offsets into it', () => {
    const a = { start: 0x1000, end: 0x2000 };
    const b = { start: 0x8000, end: 0xa000 };
    expect(busiestMapping([a, b], [0x1010, 0x8004, 0x9000, 0x9ff0, 0xb000])).toEqual({ mapping: b, offsets: [0x4, 0x1000, 0x1ff0] });
    expect(busiestMapping([a, b], [0x500, 0xb000])).toBeUndefined();
  });

  it('spans the buckets that hold more than the share of samples, and counts what falls in', () => {
    const offsets = [...Array(50).fill(0x3100), ...Array(40).fill(0x5200), ...Array(10).fill(0x9000 + 5)];
    expect(hotSpan(offsets, 0x1000, 0.2)).toEqual({ start: 0x3000, end: 0x6000, samplesIn: 90 });
    expect(hotSpan(offsets, 0x1000, 0.05)).toEqual({ start: 0x3000, end: 0xa000, samplesIn: 100 });
    expect(hotSpan([], 0x1000)).toBeUndefined();
  });

  it('counts mnemonics and code bytes in objdump text, skipping headers and (bad); byte-only lines add bytes', () => {
    const text = [
      '/tmp/jit.bin:     file format binary',
      '0000000000010000 <.data+0x10000>:',
      '   10000:\t0f 59 c1             \tmulps  %xmm1,%xmm0',
      '   10003:\t0f 58 84 24 70 66 00 \taddps  0x6670(%rsp),%xmm0',
      '   1000a:\t00 ',
      '   1000b:\t0f 11 44 24 10       \tmovups %xmm0,0x10(%rsp)',
      '   10010:\t0f 11 44 24 20       \tmovups %xmm0,0x20(%rsp)',
      '   10015:\tff                   \t(bad)',
    ].join('\n');
    const c = countInstructions(text);
    expect(c.total).toBe(4);
    expect(c.bytes).toBe(3 + 7 + 1 + 5 + 5);
    expect(Object.fromEntries(c.byMnemonic)).toEqual({ mulps: 1, addps: 1, movups: 2 });
  });

  it('finds the loop as the smallest backward jump span holding the share of samples, and the lines inside it', () => {
    const text = [
      '    fe0:\t0f 59 c1             \tmulps  %xmm1,%xmm0',
      '    ff0:\t0f 59 c1             \tmulps  %xmm1,%xmm0',
      '   1000:\t0f 59 c1             \tmulps  %xmm1,%xmm0',
      '   1003:\t75 fb                \tjne    0x1000',
      '   1005:\t0f 58 c1             \taddps  %xmm1,%xmm0',
      '   1008:\t0f 85 e2 ff ff ff    \tjne    0xff0',
      '   100e:\teb 10                \tjmp    0x1020',
      '   1010:\te9 00 f0 ff ff       \tjmp    0xfe0',
    ].join('\n');
    // Samples all in the inner jump's span: that loop. Spread to 0x1005: the next one out.
    expect(loopSpan(text, [0x1000, 0x1001, 0x1003])).toEqual({ start: 0x1000, end: 0x1003 });
    expect(loopSpan(text, [0x1000, 0x1003, 0x1005, 0xff0])).toEqual({ start: 0xff0, end: 0x1008 });
    expect(loopSpan(text, [0x1000, 0x1003, 0x1005, 0xfe0], 0.9)).toEqual({ start: 0xfe0, end: 0x1010 });
    expect(loopSpan(text, [0x2000])).toBeUndefined();
    // A second back edge from inside the loop, to a header before its target.
    const twoEdges = [
      '    f00:\t90                   \tnop',
      '   1000:\t90                   \tnop',
      '   1010:\t75 ee                \tjne    0xf00',
      '   1012:\teb ec                \tjmp    0x1000',
    ].join('\n');
    expect(loopSpan(twoEdges, [0x1000, 0x1004, 0x1012])).toEqual({ start: 0xf00, end: 0x1012 });
    expect(countInstructions(linesBetween(text, 0xff0, 0x1008)).total).toBe(5);
  });

  it('prefixes each instruction with the samples taken at its address', () => {
    const text = [
      '/tmp/jit.bin:     file format binary',
      '   10000:\t0f 59 c1             \tmulps  %xmm1,%xmm0',
      '   10003:\t0f 58 c1             \taddps  %xmm1,%xmm0',
    ].join('\n');
    expect(
      annotateSamples(text, [0x10003, 0x10003, 0x10003, 0x10003, 0x10003, 0x10003, 0x10003, 0x10003, 0x10003, 0x10003, 0x20000]).split(
        '\n',
      ),
    ).toEqual([
      '   /tmp/jit.bin:     file format binary',
      '      10000:\t0f 59 c1             \tmulps  %xmm1,%xmm0',
      '10    10003:\t0f 58 c1             \taddps  %xmm1,%xmm0',
    ]);
  });
});
