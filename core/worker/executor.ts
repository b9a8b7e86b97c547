/**
 * Decides what becomes of a claimed job: before its handler runs (a bad
 * message, an unknown task, expired, revoked) and after (success, a retry
 * with backoff, or a failure with its errbacks). Nothing here throws: every
 * problem becomes a stored outcome.
 */
import { currentTraceOrigin } from "../tracing.ts";
import { retryDelayMs } from "../backoff.ts";
import type { LamportClock } from "../clock.ts";
import * as D from "../defaults.ts";
import { parseDuration } from "../duration.ts";
import { type ErrorInfo, InvalidMessage, toErrorInfo } from "../errors.ts";
import { type Message, messageProblem, PROTOCOL_VERSION } from "../message.ts";
import { type Registry, unknownTask } from "../registry.ts";
import { maxRetriesOf, type Task } from "../task.ts";
import type { ClaimedJob, Completion, RetryRequest } from "../transport.ts";
import type { HandlerResult } from "./invoke.ts";
import type { LaunchContext } from "../canvas/launch.ts";
import { nextLaunch } from "../canvas/next.ts";
import { newId } from "../ids.ts";

// deno-lint-ignore no-explicit-any
type AnyTask = Task<any, any>;

/** What to write for a job. `failed` is set when the task failed for good (for its onFailure hook). */
export type Outcome =
  | { kind: "complete"; completion: Completion; task: string; failed?: { error: ErrorInfo; message: Message } }
  | { kind: "retry"; retry: RetryRequest; task: string; error: ErrorInfo };

export interface ExecutorDeps {
  registry: Registry<AnyTask>;
  clock: LamportClock;
}

/** A job ready to run, or the outcome that ends it without running. */
export type Prepared =
  | { kind: "run"; message: Message; task: AnyTask }
  | { kind: "done"; outcome: Outcome };

function ended(job: ClaimedJob, task: string, state: Completion["state"], error: ErrorInfo, drop = false): Prepared {
  const completion: Completion = { id: job.id, attempt: job.attempt, state, error, ...(drop ? { drop: true as const } : {}) };
  return { kind: "done", outcome: { kind: "complete", task, completion } };
}

/** Checks a claimed job before its handler may run. */
export function prepareJob(job: ClaimedJob, deps: ExecutorDeps): Prepared {
  const raw = job.message as Partial<Message> | null;
  const taskName = typeof raw?.task === "string" ? raw.task : "(unknown)";
  if (job.revoke) return ended(job, taskName, "REVOKED", { type: "TaskRevoked", code: "TASK_REVOKED", message: "The task was revoked before it could run again." });
  if (job.expired) {
    return ended(job, taskName, "REVOKED", { type: "TaskExpired", code: "TASK_EXPIRED", message: `The task expired at ${raw?.expires ?? "its expiry time"} before a worker could start it; it was not run.` });
  }
  const problem = messageProblem(raw);
  if (problem) {
    return ended(job, taskName, "FAILURE", toErrorInfo(new InvalidMessage(`The message of job ${job.id} does not match the protocol: ${problem}. It was not run.`)));
  }
  // A message whose signature did not hold (core/security/screen.ts); a copy of one that ran is only removed.
  if (job.rejection) return ended(job, taskName, "FAILURE", job.rejection.error, job.rejection.drop);
  const message = raw as Message;
  deps.clock.adjust(message.clock);
  const task = deps.registry.get(message.task);
  if (!task) return ended(job, taskName, "FAILURE", toErrorInfo(unknownTask(message.task, deps.registry.names(), "on this worker")));
  try {
    task.checkArgs(message.args, message.kwargs);
  } catch (error) {
    return ended(job, taskName, "FAILURE", toErrorInfo(error));
  }
  return { kind: "run", message, task };
}

/** The backoff delay before the next try of `task` after `retries` retries. */
export function nextRetryDelayMs(task: AnyTask, retries: number): number {
  const options = task.options;
  return retryDelayMs({
    kind: options.retryBackoff ?? "exponential",
    baseMs: parseDuration(options.retryDelay ?? D.DEFAULT_RETRY_DELAY_MS) ?? D.DEFAULT_RETRY_DELAY_MS,
    maxMs: parseDuration(options.retryBackoffMax ?? D.DEFAULT_RETRY_BACKOFF_MAX_MS) ?? D.DEFAULT_RETRY_BACKOFF_MAX_MS,
    jitter: options.retryJitter ?? true,
  }, retries);
}

/** Errback messages for a task that failed for good: each gets `[...args, { id, task, error }]`. */
function errbackMessages(message: Message, error: ErrorInfo, clock: LamportClock): Message[] {
  // Sent in the statement that records the failure, which counts once (fenced), so each errback is sent once.
  return (message.errbacks ?? []).map((errback) => ({
    v: PROTOCOL_VERSION,
    id: newId(),
    task: errback.task,
    args: errback.immutable ? errback.args : [...errback.args, { id: message.id, task: message.task, error: { type: error.type, message: error.message } }],
    kwargs: {},
    queue: errback.queue ?? message.queue,
    priority: message.priority,
    retries: 0,
    rootId: message.rootId,
    parentId: message.id,
    // Sent as part of the failed run: a child of its span when tracing is on.
    origin: { ...message.origin, ...currentTraceOrigin() },
    clock: clock.forward(),
    sentAt: new Date().toISOString(),
  }));
}

/** Turns what the handler did into the outcome to write. */
export function decide(
  job: ClaimedJob,
  message: Message,
  task: AnyTask,
  result: HandlerResult,
  clock: LamportClock,
  launchContext: (parent: { id: string; rootId: string }) => LaunchContext,
): Outcome {
  const token = { id: job.id, attempt: job.attempt };
  if (result.kind === "lost") return lostOutcome(job, message, result.error, clock);
  if (result.kind === "success") {
    const completion: Completion = { ...token, state: "SUCCESS", value: result.value };
    // A chord's callback reads its members' results: they are stored whatever ignoreResult says.
    if (task.options.ignoreResult && !message.chord) completion.store = false;
    // Only a workflow's steps start anything: a plain job skips building the context (and a clock tick).
    if (message.chain?.length || message.callbacks?.length) {
      try {
        completion.launch = nextLaunch(message, result.value, launchContext({ id: message.id, rootId: message.rootId }));
      } catch (error) {
        // The next step cannot be sent (bad arguments for it, a malformed workflow): the chain stops here, failed.
        const info = toErrorInfo(error);
        return failedForGood(job, message, { ...info, message: `The task succeeded, but its workflow could not go on: ${info.message}` }, clock);
      }
    }
    return { kind: "complete", task: message.task, completion };
  }
  const wantsRetry = result.kind === "retry" || result.autoRetry;
  const maxRetries = maxRetriesOf(message, task.options);
  if (wantsRetry && message.retries < maxRetries) {
    const delayMs = result.kind === "retry" && result.countdownMs !== undefined ? result.countdownMs : nextRetryDelayMs(task, message.retries);
    return {
      kind: "retry",
      task: message.task,
      error: result.error,
      retry: { ...token, delayMs, error: result.error, message: { ...message, retries: message.retries + 1 } },
    };
  }
  const error = wantsRetry
    ? { ...result.error, message: `${result.error.message} (out of retries: ${message.retries} of ${maxRetries} used)` }
    : result.error;
  return failedForGood(job, message, error, clock);
}

/** A job that failed for good: its failure, with its errbacks sent in the same statement, and its onFailure hook. */
function failedForGood(job: ClaimedJob, message: Message, error: ErrorInfo, clock: LamportClock): Outcome {
  const followUps = errbackMessages(message, error, clock);
  return {
    kind: "complete",
    task: message.task,
    completion: { id: job.id, attempt: job.attempt, state: "FAILURE", error, ...(followUps.length ? { followUps } : {}) },
    failed: { error, message },
  };
}

/**
 * A job whose thread or process died under it: like a crash rescued by the
 * lease, it goes back to its queue while it has charged attempts left (its
 * retry count unchanged), and fails with the loss once it has none.
 */
function lostOutcome(job: ClaimedJob, message: Message, error: ErrorInfo, clock: LamportClock): Outcome {
  const charged = job.attempt - job.uncharged;
  if (charged < job.maxAttempts) {
    return { kind: "retry", task: message.task, error, retry: { id: job.id, attempt: job.attempt, delayMs: 0, error, message } };
  }
  return failedForGood(job, message, { ...error, message: `${error.message} (no attempts left: ${charged} made)` }, clock);
}

/** The task name a claimed job's message names, before the message is checked. */
export function taskOf(job: ClaimedJob): string {
  const task = (job.message as { task?: unknown } | null)?.task;
  return typeof task === "string" ? task : "(unknown)";
}

/** The queue a claimed job's message names, for logs and metrics; "(unknown)" when it names none. */
export function queueOf(job: ClaimedJob): string {
  const queue = (job.message as { queue?: unknown } | null)?.queue;
  return typeof queue === "string" ? queue : "(unknown)";
}
