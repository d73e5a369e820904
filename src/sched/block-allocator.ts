/**
 * Hands out fixed-size KV blocks by number. Every block is either free or
 * owned by exactly one sequence; `check()` proves it (tests call it after
 * every step).
 */
export class BlockAllocator {
  private readonly free: number[];
  private readonly owner = new Map<number, string>();

  constructor(
    readonly totalBlocks: number,
    readonly blockSize: number,
  ) {
    if (!Number.isInteger(totalBlocks) || totalBlocks < 1) throw new RangeError(`need at least one KV block, got ${totalBlocks}`);
    // Pop from the end: low block numbers first, which keeps runs easy to read in traces.
    this.free = Array.from({ length: totalBlocks }, (_, i) => totalBlocks - 1 - i);
  }

  get freeBlocks(): number {
    return this.free.length;
  }

  /** Blocks needed to hold `tokens` positions. */
  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }

  /** Takes n blocks for `seqId`, or returns undefined (taking none) if fewer are free. */
  allocate(seqId: string, n: number): number[] | undefined {
    if (n > this.free.length) return undefined;
    const got = this.free.splice(this.free.length - n, n).reverse();
    for (const b of got) this.owner.set(b, seqId);
    return got;
  }

  release(seqId: string, blocks: readonly number[]): void {
    for (const b of blocks) {
      if (this.owner.get(b) !== seqId) throw new Error(`block ${b} is not owned by ${seqId} (owner: ${this.owner.get(b) ?? 'none'})`);
      this.owner.delete(b);
      this.free.push(b);
    }
  }

  /** Throws unless free and owned blocks partition 0..total-1. */
  check(): void {
    const seen = new Set<number>(this.free);
    if (seen.size !== this.free.length) throw new Error('a block is free twice');
    for (const b of this.owner.keys()) {
      if (seen.has(b)) throw new Error(`block ${b} is both free and owned`);
      seen.add(b);
    }
    if (seen.size !== this.totalBlocks) throw new Error(`${this.totalBlocks - seen.size} blocks leaked`);
  }
}
