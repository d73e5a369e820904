import type { GpuContext } from './context.js';

/**
 * GPU time of compute passes from timestamp queries: each timed pass writes a
 * timestamp at its start and end; resolve() copies them into a staging buffer
 * in the same command buffer, and read() maps it after the submit, so timing
 * adds no extra round trip. Made once; reusable every step.
 * Without `timestamp-query`, `available` is false and callers fall back to
 * wall clock (and must say so).
 */
export class PassTimer {
  readonly available: boolean;
  private readonly querySet?: GPUQuerySet;
  private readonly resolveBuf?: GPUBuffer;
  private readonly staging?: GPUBuffer;
  /** timestampWrites of each pass, made once: a step asks for them every time. */
  private readonly writes: GPUComputePassTimestampWrites[] = [];

  constructor(
    ctx: GpuContext,
    readonly capacity: number,
  ) {
    this.available = ctx.hasTimestamps;
    if (!this.available) return;
    const device = ctx.device;
    this.querySet = device.createQuerySet({ label: 'timer', type: 'timestamp', count: 2 * capacity });
    this.resolveBuf = device.createBuffer({
      label: 'timer.resolve',
      size: 16 * capacity,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    this.staging = device.createBuffer({
      label: 'timer.staging',
      size: 16 * capacity,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    for (let i = 0; i < capacity; i++)
      this.writes.push({ querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 });
  }

  /** The timestampWrites for pass i, or undefined without timestamps. */
  pass(i: number): GPUComputePassTimestampWrites | undefined {
    if (!this.querySet) return undefined;
    if (i >= this.capacity) throw new RangeError(`pass ${i} past this timer's ${this.capacity}`);
    return this.writes[i];
  }

  /**
   * Pass i's start and end written by two different passes: `opening` by one
   * submitted before some work, `closing` by one submitted after it, so pass i's
   * duration spans work recorded elsewhere (PassClock.around).
   */
  opening(i: number): GPUComputePassTimestampWrites | undefined {
    const w = this.pass(i);
    return w && { querySet: w.querySet, beginningOfPassWriteIndex: w.beginningOfPassWriteIndex };
  }

  closing(i: number): GPUComputePassTimestampWrites | undefined {
    const w = this.pass(i);
    return w && { querySet: w.querySet, endOfPassWriteIndex: w.endOfPassWriteIndex };
  }

  /**
   * Encodes the copy of the first n passes' timestamps to the timer's staging
   * buffer, or into `into` (a mappable buffer of the caller's, at an offset
   * that is a multiple of 8) so one map brings back results and timings together.
   */
  resolve(encoder: GPUCommandEncoder, n: number, into?: { buffer: GPUBuffer; offset: number }): void {
    if (!this.querySet) return;
    encoder.resolveQuerySet(this.querySet, 0, 2 * n, this.resolveBuf!, 0);
    encoder.copyBufferToBuffer(this.resolveBuf!, 0, into?.buffer ?? this.staging!, into?.offset ?? 0, 16 * n);
  }

  /** Nanoseconds of each of the first n passes (after the submit that resolved them). */
  async read(n: number): Promise<number[]> {
    if (!this.staging) return [];
    await this.staging.mapAsync(GPUMapMode.READ, 0, 16 * n);
    const out = passDurations(this.staging.getMappedRange(0, 16 * n), n);
    this.staging.unmap();
    return out;
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuf?.destroy();
    this.staging?.destroy();
  }
}

/** Nanoseconds of n passes from their resolved timestamps (begin, end pairs of u64). */
export function passDurations(resolved: ArrayBuffer, n: number, byteOffset = 0): number[] {
  const t = new BigInt64Array(resolved, byteOffset, 2 * n);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(passDuration(t[2 * i]!, t[2 * i + 1]!));
  return out;
}

/** Nanoseconds of the one pass whose timestamps sit at byteOffset (no array: a step reads this every time). */
export function onePassDuration(resolved: ArrayBuffer, byteOffset: number): number {
  const t = new BigInt64Array(resolved, byteOffset, 2);
  return passDuration(t[0]!, t[1]!);
}

/** end - begin in ns; NaN when the counter went backwards or a value is missing (0). */
export function passDuration(begin: bigint, end: bigint): number {
  if (begin === 0n || end === 0n || end < begin) return NaN;
  return Number(end - begin);
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The timestamp quantum: the largest step every timestamp difference is a
 * multiple of. Browsers quantize (100 us in Chrome by default, 65,536 ns in
 * Dawn unless disabled) to blunt timing attacks; a quantum near the kernel's
 * time makes one reading meaningless, so callers repeat the work inside one
 * pass until it spans many quanta. Returns 1 for unquantized timers.
 */
export function detectQuantumNs(deltasNs: readonly number[]): number {
  const xs = deltasNs.filter((d) => Number.isFinite(d) && d > 0).map((d) => Math.round(d));
  if (xs.length < 2) return 1;
  return xs.reduce((a, b) => gcd(a, b));
}

/** Repetitions so that one quantum is at most `maxRelError` of the measured span. */
export function repeatsToAmortize(quantumNs: number, expectedNs: number, maxRelError = 0.01): number {
  if (!(expectedNs > 0) || quantumNs <= 1) return 1;
  return Math.max(1, Math.ceil(quantumNs / (maxRelError * expectedNs)));
}
