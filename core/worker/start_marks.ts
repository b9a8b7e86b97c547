/**
 * Marks prefetched jobs as started just before their handlers run, in
 * batches. The database then knows which jobs ran, so a crash charges an
 * attempt only to those; and the mark is fenced by the claim's token, so a
 * job whose lease ran out while it waited in the buffer (the worker paused,
 * another worker took it) is found out before it starts, not after.
 */
import type { Logger } from "../logger.ts";
import type { ClaimedJob, Transport } from "../transport.ts";
import { Batcher } from "../batcher.ts";

interface Mark {
  job: ClaimedJob;
  /** true: still ours, run it; false: taken from us, drop it. */
  settle(held: boolean): void;
}

export class StartMarks {
  readonly #batcher: Batcher<Mark>;

  constructor(options: { transport: () => Transport; workerId: string; leaseMs: number; maxBatch: number; logger: Logger }) {
    this.#batcher = new Batcher<Mark>({
      name: "start marks",
      maxBatch: options.maxBatch,
      logger: options.logger,
      write: async (marks) => {
        const tokens = marks.map(({ job }) => ({ id: job.id, attempt: job.attempt }));
        const held = new Set(await options.transport().jobStartMany(tokens, options.workerId, options.leaseMs));
        for (const mark of marks) mark.settle(held.has(mark.job.id));
      },
      // A mark the database keeps rejecting: do not run a job we cannot account for.
      onDropped: (mark) => mark.settle(false),
    });
  }

  /** Resolves true when `job` is still this worker's and is now marked started. */
  mark(job: ClaimedJob): Promise<boolean> {
    return new Promise((settle) => this.#batcher.add({ job, settle }));
  }
}
