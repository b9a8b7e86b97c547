/**
 * Calls a task's handler with its context and reduces whatever happens to a
 * plain, serialisable result. Runs wherever the handler runs: in the worker
 * itself (async pool) or in a pool's thread or child process.
 */
import { RetryRequested, runWithContext, type TaskContext } from "../context.ts";
import { parseDuration } from "../duration.ts";
import { type ErrorInfo, InvalidMessage, toErrorInfo } from "../errors.ts";
import type { Message } from "../message.ts";
import { boundedText, RESULT_NOT_STORABLE, storableProblem } from "../storable.ts";
import { maxRetriesOf, type Task } from "../task.ts";

/** What one run of a handler came to. */
export type HandlerResult =
  | { kind: "success"; value: unknown }
  /** `autoRetry`: the error matched the task's autoRetryFor. */
  | { kind: "error"; error: ErrorInfo; autoRetry: boolean }
  /** The handler threw `this.retry()`. */
  | { kind: "retry"; countdownMs?: number; error: ErrorInfo }
  /** The thread or process running it died: a crash, charged like one. */
  | { kind: "lost"; error: ErrorInfo };

/** What the place running the handler provides. */
export interface InvokeHooks {
  /** Fires when the task must stop: soft time limit, revoke with terminate, shutdown. */
  signal: AbortSignal;
  /** Stores progress meta for the job. */
  progress(meta: unknown): Promise<void>;
}

/**
 * The value to store, or the failure that says why it cannot be stored
 * (a function, a Map, a NUL character...): the job fails at once with
 * RESULT_NOT_STORABLE rather than by a write the database refuses.
 */
function storable(value: unknown): { value: unknown } | { error: ErrorInfo } {
  if (value === undefined) return { value: null };
  const problem = storableProblem(value, "result");
  if (!problem) return { value };
  return {
    error: {
      type: "ResultNotSerializable",
      code: RESULT_NOT_STORABLE,
      message: boundedText(
        `The handler returned a value that cannot be stored: ${problem.reason} at ${problem.path}. Return JSON: objects, arrays, strings, finite numbers, booleans and null.`,
      ),
    },
  };
}

// deno-lint-ignore no-explicit-any
function matchesAutoRetry(task: Task<any, any>, thrown: unknown): boolean {
  const rule = task.options.autoRetryFor;
  if (!rule) return false;
  try {
    return Array.isArray(rule) ? rule.some((type) => thrown instanceof type) : rule(thrown) === true;
  } catch {
    return false; // A predicate that throws does not make a failure retryable.
  }
}

/** Runs the handler of `task` for `message` (claim number `attempt`); never throws. */
// deno-lint-ignore no-explicit-any
export async function invokeHandler(task: Task<any, any>, message: Message, attempt: number, hooks: InvokeHooks): Promise<HandlerResult> {
  const context: TaskContext = {
    id: message.id,
    name: message.task,
    retries: message.retries,
    maxRetries: maxRetriesOf(message, task.options),
    attempt,
    queue: message.queue,
    rootId: message.rootId,
    parentId: message.parentId,
    // A getter, so a pool that makes its signal lazily only makes it for handlers that look.
    get signal() {
      return hooks.signal;
    },
    message,
    retry: (options) => new RetryRequested(options),
    progress: (meta) => {
      const problem = storableProblem(meta, "meta");
      if (!problem) return hooks.progress(meta);
      return Promise.reject(new InvalidMessage(`Progress of task "${message.task}" cannot be stored: ${problem.reason} at ${problem.path}.`));
    },
  };
  const args = Object.keys(message.kwargs).length ? [...message.args, message.kwargs] : message.args;
  try {
    const value = await runWithContext(context, () => task.handler.apply(context, args as never));
    const stored = storable(value);
    return "error" in stored ? { kind: "error", error: stored.error, autoRetry: false } : { kind: "success", value: stored.value };
  } catch (thrown) {
    if (thrown instanceof RetryRequested) {
      const countdownMs = thrown.countdown === undefined ? undefined : parseDuration(thrown.countdown);
      return { kind: "retry", countdownMs, error: toErrorInfo(thrown.error ?? thrown) };
    }
    return { kind: "error", error: toErrorInfo(thrown), autoRetry: matchesAutoRetry(task, thrown) };
  }
}
