import type { GpuModel } from '../model/gpu-model.js';
import type { StepPlan } from '../sched/types.js';

export interface StepResult {
  /** One sampled id per plan item with `sample`, in plan order. */
  ids: Uint32Array;
  /** GPU time of the step from timestamps (ns), NaN without them. */
  gpuNs: number;
  /** Logits of the sampled rows, [ids.length, V], when asked for. */
  logits?: Float32Array;
}

/**
 * Runs a scheduler's StepPlan on the GPU model: every item's rows go into one
 * step (one command buffer), each row tagged with its sequence's KV slot and
 * absolute position; block tables are rewritten only for sequences whose
 * blocks changed. All-decode steps use GEMV, anything with a prompt chunk GEMM
 * (the two give the same bits, so this never changes a result).
 */
export class GpuExecutor {
  private readonly tokens: Uint32Array;
  private readonly positions: Uint32Array;
  private readonly seqs: Uint32Array;
  private readonly logitRows: Uint32Array;
  private readonly written: (readonly number[] | undefined)[];

  constructor(readonly model: GpuModel) {
    this.tokens = new Uint32Array(model.maxRows);
    this.positions = new Uint32Array(model.maxRows);
    this.seqs = new Uint32Array(model.maxRows);
    this.logitRows = new Uint32Array(model.maxRows);
    this.written = Array.from({ length: model.kv.seqSlots }, () => undefined);
  }

  async run(plan: StepPlan, readLogits = false): Promise<StepResult> {
    if (plan.rows > this.model.maxRows) throw new RangeError(`plan has ${plan.rows} rows; the model takes ${this.model.maxRows} per step`);
    let r = 0;
    let n = 0;
    let allDecode = true;
    for (const item of plan.items) {
      if (this.written[item.slot] !== item.blocks) {
        this.model.kv.setBlocks(item.slot, item.blocks);
        this.written[item.slot] = item.blocks;
      }
      allDecode &&= item.kind === 'decode';
      for (let i = 0; i < item.tokens.length; i++, r++) {
        this.tokens[r] = item.tokens[i]!;
        this.positions[r] = item.start + i;
        this.seqs[r] = item.slot;
      }
      if (item.sample) this.logitRows[n++] = r - 1;
    }
    if (n === 0) {
      // A step of prompt chunks that finish no prompt still runs the head on one row (cheap) so
      // the step's shape stays uniform; its id is ignored.
      this.logitRows[n++] = r - 1;
      const out = await this.model.step(this.input(r, n, allDecode), { readLogits });
      return { ids: new Uint32Array(0), gpuNs: out.gpuNs };
    }
    const out = await this.model.step(this.input(r, n, allDecode), { readLogits });
    return { ids: out.ids, gpuNs: out.gpuNs, logits: out.logits };
  }

  private input(rows: number, logitRows: number, decode: boolean) {
    return {
      tokens: this.tokens.subarray(0, rows),
      positions: this.positions.subarray(0, rows),
      seqs: this.seqs.subarray(0, rows),
      logitRows: this.logitRows.subarray(0, logitRows),
      phase: decode ? ('decode' as const) : ('prefill' as const),
    };
  }
}
