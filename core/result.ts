/**
 * A handle on a sent task's result. `get()` waits for a notification and
 * falls back to polling; a handler's error comes back as a rejected promise
 * carrying the original error's type and message.
 */
import { type Duration, parseDuration } from "./duration.ts";
import { ConfigError, TaskFailed } from "./errors.ts";
import { rejectUnknownGetOptions } from "./known_options.ts";
import type { ResultSet } from "./canvas/results.ts";
import type { ResultRecord, RevokeOutcome, TaskState } from "./transport.ts";

/** Where an AsyncResult reads from: the app's result waiter. */
export interface ResultSource {
  fetch(id: string): Promise<ResultRecord>;
  /** Resolves with the record once the task is finished; rejects with ResultTimeout after `timeoutMs`. */
  waitFor(id: string, timeoutMs: number | undefined): Promise<ResultRecord>;
  forget(id: string): Promise<void>;
  revoke(id: string, terminate: boolean): Promise<RevokeOutcome[]>;
  /** Revokes every task of a workflow, sent or not yet sent. */
  revokeWorkflow(ids: string[], terminate: boolean): Promise<RevokeOutcome[]>;
}

/** States after which nothing changes. */
export const READY_STATES: ReadonlySet<TaskState> = new Set(["SUCCESS", "FAILURE", "REVOKED"]);

/** Options of `get()`. */
export interface GetOptions {
  /** Give up after this long (ms or "5s") with ResultTimeout; waits for good when omitted. */
  timeout?: Duration;
}

/** A handle on a sent task's result, `R` being the handler's result type. */
export class AsyncResult<R = unknown> {
  /** The task's id, also its job id. */
  readonly id: string;
  readonly #source: ResultSource;
  /**
   * The result before this one in its workflow, when this handle comes from
   * starting one: a chain's previous step, a chord's header (a ResultSet).
   */
  parent?: AsyncResult | ResultSet;
  /** Every task id of the workflow this handle stands for (a chain, a chord): what `revoke()` revokes. */
  workflow?: string[];

  /** Made by sending, and by `app.asyncResult(id)` for a task sent earlier. */
  constructor(id: string, source: ResultSource) {
    this.id = id;
    this.#source = source;
  }

  /** Waits for the task and returns its value, or rejects with TaskFailed (named after the handler's error type). */
  async get(options: GetOptions = {}): Promise<R> {
    rejectUnknownGetOptions(options);
    let timeoutMs: number | undefined;
    if (options.timeout !== undefined) {
      timeoutMs = parseDuration(options.timeout);
      if (timeoutMs === undefined) throw new ConfigError(`Option "timeout" of get() must be a duration such as 5000 or "5s", got ${JSON.stringify(options.timeout)}.`);
    }
    const record = await this.#source.waitFor(this.id, timeoutMs);
    return unwrap<R>(record);
  }

  /** PENDING, STARTED, RETRY, SUCCESS, FAILURE or REVOKED. */
  async status(): Promise<TaskState> {
    return (await this.#source.fetch(this.id)).state;
  }

  /** True once the task succeeded, failed or was revoked. */
  async ready(): Promise<boolean> {
    return READY_STATES.has(await this.status());
  }

  /** True once the task succeeded. */
  async successful(): Promise<boolean> {
    return (await this.status()) === "SUCCESS";
  }

  /** True once the task failed for good (FAILURE; a revoked task is not failed). */
  async failed(): Promise<boolean> {
    return (await this.status()) === "FAILURE";
  }

  /** Everything the backend knows: state, value, error, progress meta, attempts. */
  record(): Promise<ResultRecord> {
    return this.#source.fetch(this.id);
  }

  /** Progress meta stored by the handler with `this.progress()` (Celery's `info`), or null. */
  async info(): Promise<unknown> {
    return (await this.#source.fetch(this.id)).meta ?? null;
  }

  /**
   * Revokes the task: if it is waiting it never runs; if it is running it
   * finishes (without retries) unless `terminate`, which aborts its signal
   * and ends it as REVOKED at once.
   */
  async revoke(options: { terminate?: boolean } = {}): Promise<RevokeOutcome["outcome"]> {
    if (this.workflow) {
      const outcomes = await this.#source.revokeWorkflow(this.workflow, options.terminate ?? false);
      return outcomes.find((o) => o.id === this.id)?.outcome ?? "revoked";
    }
    const [outcome] = await this.#source.revoke(this.id, options.terminate ?? false);
    return outcome.outcome;
  }

  /** Deletes the stored result. */
  forget(): Promise<void> {
    return this.#source.forget(this.id);
  }

  /** The handle as JSON: its id, enough to find the result again from any process. */
  toJSON(): { id: string } {
    return { id: this.id };
  }
}

/** The value of a finished record, or the error it stands for. */
export function unwrap<R>(record: ResultRecord): R {
  if (record.state === "SUCCESS") return record.value as R;
  const info = record.error ?? { type: record.state === "REVOKED" ? "TaskRevoked" : "Error", message: `Task ended as ${record.state}.` };
  throw new TaskFailed(record.id, info);
}
