/**
 * Writes what became of each job (completions and retries, each in batches)
 * and only then logs and counts it: an outcome the database took is logged
 * as success, failure or retry; one whose (id, attempt) token no longer
 * matched, because another worker holds the job now, is logged and counted
 * as discarded, never as a success.
 */
import type { ErrorInfo } from "../errors.ts";
import { boundedText, RESULT_NOT_STORABLE } from "../storable.ts";
import type { Logger } from "../logger.ts";
import type { Message } from "../message.ts";
import type { ClaimedJob, Completion, JobToken, ResultTtls, RetryRequest, Transport } from "../transport.ts";
import { Batcher } from "../batcher.ts";
import type { Outcome } from "./executor.ts";
import type { WorkerEvents } from "./worker_events.ts";

/** Counts since start. */
export interface WorkerStats {
  /** Jobs whose success was stored. */
  succeeded: number;
  /** Jobs stored as ended otherwise: FAILURE, or REVOKED. */
  failed: number;
  /** Attempts that ended in a retry being stored (the job runs again later). */
  retried: number;
  /** Outcomes not stored: the job had been taken over by another worker. */
  discarded: number;
}

/** One outcome waiting to be written, with what its log line needs. */
interface Pending<T> {
  item: T;
  job: ClaimedJob;
  outcome: Outcome;
  ms: number;
}

export interface OutcomeWriterOptions {
  transport: () => Transport;
  maxBatch: number;
  ttls: ResultTtls;
  logger: Logger;
  events?: WorkerEvents;
  /** Called once for a job whose failure was stored (the task's onFailure hook). */
  onFailed(error: ErrorInfo, message: Message): void;
  /** Signs what a completion sends (errbacks, a workflow's next steps) when this worker signs (docs/security.md). */
  signCompletion?(completion: Completion): Promise<void>;
  /** Called after each batch is written: the places its jobs held under concurrency limits are free. */
  onWritten?(): void;
}

export class OutcomeWriter {
  readonly stats: WorkerStats = { succeeded: 0, failed: 0, retried: 0, discarded: 0 };
  readonly #options: OutcomeWriterOptions;
  readonly #completions: Batcher<Pending<Completion>>;
  readonly #retries: Batcher<Pending<RetryRequest>>;

  constructor(options: OutcomeWriterOptions) {
    this.#options = options;
    const { maxBatch, logger, ttls } = options;
    this.#completions = new Batcher({
      name: "completions",
      maxBatch,
      logger,
      write: async (batch) => {
        const completions = batch.map((p) => p.item);
        if (options.signCompletion) await Promise.all(completions.filter(sendsMessages).map(options.signCompletion));
        this.#written(batch, await options.transport().jobCompleteMany(completions, ttls));
      },
      onDropped: (pending, error) => this.#refused(pending, error),
    });
    this.#retries = new Batcher({
      name: "retries",
      maxBatch,
      logger,
      write: async (batch) => this.#written(batch, await options.transport().jobRetryMany(batch.map((p) => p.item))),
      onDropped: (pending, error) => this.#refused(pending, error),
    });
  }

  /** Queues the outcome of `job` for writing; it is logged once written. */
  record(job: ClaimedJob, outcome: Outcome, ms: number): void {
    if (outcome.kind === "retry") return this.#retries.add({ item: outcome.retry, job, outcome, ms });
    // A job whose signature was verified keeps its id as run, so a copy of its message is refused.
    if (job.sealUntil && !outcome.completion.drop) outcome.completion.sealUntil = job.sealUntil;
    this.#completions.add({ item: outcome.completion, job, outcome, ms });
  }

  /** Jobs whose outcome is not written yet: their leases must still be renewed. */
  unwritten(): JobToken[] {
    return [...this.#completions.unwritten(), ...this.#retries.unwritten()].map(({ item }) => ({ id: item.id, attempt: item.attempt }));
  }

  /** Waits until everything recorded is written, at most `timeoutMs`; returns how many are left. */
  async drain(timeoutMs: number): Promise<number> {
    return (await this.#completions.drain(timeoutMs)) + (await this.#retries.drain(timeoutMs));
  }

  /**
   * The database refused an outcome (a value it cannot hold that the checks
   * before did not catch): the job fails at once with the database's reason
   * instead of staying running until its lease runs out and running again.
   * If even that failure is refused, the lease decides, as for a crash.
   */
  #refused(pending: Pending<Completion | RetryRequest>, error: unknown): void {
    if (pending.outcome.kind === "complete" && pending.outcome.completion.error?.code === RESULT_NOT_STORABLE) return;
    const reason = error instanceof Error ? error.message : String(error);
    const failure: ErrorInfo = {
      type: "ResultNotSerializable",
      code: RESULT_NOT_STORABLE,
      message: boundedText(`The database refused to store this job's outcome (${pending.outcome.kind === "retry" ? "a retry" : pending.outcome.completion.state}): ${reason}`),
    };
    const completion: Completion = { id: pending.item.id, attempt: pending.item.attempt, state: "FAILURE", error: failure };
    this.#completions.add({ item: completion, job: pending.job, outcome: { kind: "complete", task: pending.outcome.task, completion }, ms: pending.ms });
  }

  #written(batch: Pending<JobToken>[], counted: string[]): void {
    const done = new Set(counted);
    for (const pending of batch) {
      if (done.has(pending.item.id)) this.#report(pending);
      else this.#discard(pending);
    }
    this.#options.onWritten?.();
  }

  #report({ job, outcome, ms }: Pending<unknown>): void {
    this.#options.events?.outcome(job, outcome, ms);
    if (outcome.kind === "retry") {
      this.stats.retried++;
      this.#logTask("info", job, outcome.task, "RETRY", `retry in ${outcome.retry.delayMs} ms`, undefined, outcome.error);
      return;
    }
    const { completion } = outcome;
    if (completion.state === "SUCCESS") this.stats.succeeded++;
    else this.stats.failed++;
    if (outcome.failed) this.#options.onFailed(outcome.failed.error, outcome.failed.message);
    this.#logTask(completion.state === "SUCCESS" ? "info" : "warn", job, outcome.task, completion.state, `${completion.state.toLowerCase()} in`, ms, completion.error);
  }

  #discard({ job, outcome, ms }: Pending<unknown>): void {
    this.stats.discarded++;
    this.#options.events?.discarded(job, outcome.task, ms);
    const what = outcome.kind === "retry" ? "retry" : outcome.completion.state;
    this.#options.logger.log("warn", `Task ${outcome.task}[${job.id}] outcome discarded (${what}): this worker no longer held the job, another worker runs it`, {
      task: outcome.task,
      id: job.id,
      attempt: job.attempt,
      state: "DISCARDED",
    });
  }

  /** One line per task; built only when the logger writes it (this runs once per job). */
  #logTask(level: "info" | "warn", job: ClaimedJob, task: string, state: string, what: string, ms?: number, error?: ErrorInfo): void {
    if (this.#options.logger.enabled?.(level) === false) return;
    const fields: Record<string, unknown> = { task, id: job.id, attempt: job.attempt, state };
    let text = `Task ${task}[${job.id}] ${what}`;
    if (ms !== undefined) {
      const rounded = Math.round(ms * 100) / 100;
      text += ` ${rounded} ms`;
      fields.ms = rounded;
    }
    if (error) fields.error = `${error.type}: ${error.message}`;
    this.#options.logger.log(level, text, fields);
  }
}

function sendsMessages(completion: Completion): boolean {
  return (completion.followUps?.length ?? 0) > 0 || completion.launch !== undefined;
}
