/**
 * Steering a running system: revoking tasks, changing rate limits, pausing
 * queues and tasks. The database holds the truth (a revoked job is deleted
 * or marked, a setting or pause is stored), and workers are told by
 * notification, with their heartbeat as the fallback, so a worker that was
 * between connections still learns of it.
 */
import type { Duration } from "./duration.ts";
import { ConfigError } from "./errors.ts";
import type { BroadcastOptions, BroadcastResult } from "./inspect.ts";
import { parseRate, type Rate } from "./rate.ts";
import { timeLimitMs } from "./task.ts";
import type { PauseRecord, PauseTarget, RevokeOutcome, Transport } from "./transport.ts";
import { textProblem } from "./storable.ts";

type Broadcast = (command: string, args: Record<string, unknown>, options: BroadcastOptions) => Promise<BroadcastResult>;

/** Options of `app.control.revoke()` and `revokeWorkflow()`. */
export interface RevokeOptions {
  /** Also stop it if it is running: its signal aborts and it ends as REVOKED. */
  terminate?: boolean;
  /** Recorded as the REVOKED result's message. */
  reason?: string;
}

/** Options of `app.control.rateLimit()`. */
export interface RateLimitOptions {
  /** Change the cluster-wide limit instead of the per-worker one. */
  cluster?: boolean;
}

/** Revokes tasks, changes rate limits and sends commands to live workers (`app.control`, `tq control`). */
export class Control {
  readonly #transport: () => Promise<Transport>;
  readonly #resultTtlMs: () => number;
  readonly #broadcast: Broadcast;

  /** Made by the app: use `app.control`. */
  constructor(transport: () => Promise<Transport>, resultTtlMs: () => number, broadcast: Broadcast) {
    this.#transport = transport;
    this.#resultTtlMs = resultTtlMs;
    this.#broadcast = broadcast;
  }

  /** Revokes tasks by id: a waiting one never runs; a running one is stopped when `terminate`. */
  async revoke(ids: string | string[], options: RevokeOptions = {}): Promise<RevokeOutcome[]> {
    const list = Array.isArray(ids) ? ids : [ids];
    for (const id of list) {
      if (!/^[0-9a-fA-F-]{36}$/.test(id)) throw new ConfigError(`Cannot revoke ${JSON.stringify(id)}: a task id is a UUID such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427.`);
    }
    const transport = await this.#transport();
    return transport.jobRevoke(list, {
      terminate: options.terminate ?? false,
      reason: options.reason ?? (options.terminate ? "The task was revoked and terminated." : "The task was revoked before it ran."),
      resultTtlMs: this.#resultTtlMs(),
    });
  }

  /**
   * Revokes every task of a workflow: those sent are revoked as `revoke()`
   * does; those not sent yet (a chain's later steps, a chord's callback) are
   * stored as REVOKED, so whatever would send them later does not.
   */
  async revokeWorkflow(ids: string[], options: RevokeOptions = {}): Promise<RevokeOutcome[]> {
    const transport = await this.#transport();
    // Unsent steps first: a chord's callback is then REVOKED, not failed by its revoked members.
    const marked = new Set(await transport.canvasRevokeUnsent(ids, { reason: "The workflow was revoked before this step was sent.", resultTtlMs: this.#resultTtlMs() }));
    const outcomes = await this.revoke(ids, options);
    return outcomes.map((o) => (marked.has(o.id) ? { ...o, outcome: "revoked" } : o));
  }

  /** Sets a task's rate limit in every worker, overriding its option; null goes back to the option. */
  async rateLimit(task: string, rate: Rate | null, options: RateLimitOptions = {}): Promise<void> {
    const text = rate === null ? null : parseRate(rate, options.cluster ? "clusterRateLimit" : "rateLimit").text;
    const transport = await this.#transport();
    await transport.taskSettingPut(task, options.cluster ? { clusterRateLimit: text } : { rateLimit: text });
  }

  /**
   * Sets a task's time limits in every worker, overriding its option (a
   * limit of null means none); `null` for both goes back to the option.
   */
  async timeLimit(task: string, limits: { soft?: Duration | null; hard?: Duration | null } | null): Promise<void> {
    const transport = await this.#transport();
    if (limits === null) {
      await transport.taskSettingPut(task, { timeLimit: "option" });
      return;
    }
    const [soft, hard] = timeLimitMs({ soft: limits.soft ?? undefined, hard: limits.hard ?? undefined }, "tq control time-limit");
    await transport.taskSettingPut(task, { timeLimit: [soft, hard] });
  }

  /** Asks live workers (or one) to shut down gracefully, as on SIGTERM. */
  shutdown(options: BroadcastOptions = {}): Promise<BroadcastResult> {
    return this.#broadcast("shutdown", {}, options);
  }

  /** Asks live workers (or one) whether they answer; `missing` names those that did not in time. */
  ping(options: BroadcastOptions = {}): Promise<BroadcastResult> {
    return this.#broadcast("ping", {}, options);
  }

  /** Makes live workers (or one) consume `queue` too, until they restart. */
  addConsumer(queue: string, options: BroadcastOptions = {}): Promise<BroadcastResult> {
    return this.#broadcast("add_consumer", { queue }, options);
  }

  /** Makes live workers (or one) stop consuming `queue`, until they restart. */
  cancelConsumer(queue: string, options: BroadcastOptions = {}): Promise<BroadcastResult> {
    return this.#broadcast("cancel_consumer", { queue }, options);
  }

  /** Deletes the waiting jobs of `queue` (running ones finish); returns how many. */
  async purge(queue: string): Promise<number> {
    return (await this.#transport()).jobPurge(queue);
  }

  /**
   * Pauses a queue (`{ queue }`) or a task (`{ task }`) cluster-wide: no
   * worker starts its jobs until `resume()`, running ones finish, and jobs a
   * worker had claimed but not started go back to the queue uncharged. Kept
   * in the database, so it holds across worker restarts and deploys.
   * Returns whether it was paused already.
   */
  async pause(target: PauseTarget): Promise<boolean> {
    return (await this.#transport()).pauseSet(checkedTarget(target, "pause"), true);
  }

  /** Undoes `pause()`: workers start its jobs again at once. Returns whether it was paused. */
  async resume(target: PauseTarget): Promise<boolean> {
    return (await this.#transport()).pauseSet(checkedTarget(target, "resume"), false);
  }

  /** The queues and tasks paused now. */
  async paused(): Promise<PauseRecord[]> {
    return (await this.#transport()).pauseList();
  }

  /** Waiting jobs of `queue`, e.g. to confirm a purge. */
  async queued(queue: string): Promise<number> {
    return (await this.#transport()).jobCountQueued(queue);
  }
}

/** A pause target with exactly one non-empty name, or a ConfigError that says what to pass. */
function checkedTarget(target: PauseTarget, verb: string): PauseTarget {
  const { queue, task } = (target ?? {}) as { queue?: unknown; task?: unknown };
  const named = [queue, task].filter((name) => name !== undefined);
  if (named.length !== 1 || typeof named[0] !== "string" || named[0] === "") {
    throw new ConfigError(`app.control.${verb}() takes { queue: "name" } or { task: "name" }: one non-empty name, got ${JSON.stringify(target)}.`);
  }
  const problem = textProblem(named[0]);
  if (problem) throw new ConfigError(`app.control.${verb}(): the name ${JSON.stringify(named[0])} contains ${problem}: no queue or task has it.`);
  return queue !== undefined ? { queue: queue as string } : { task: task as string };
}
