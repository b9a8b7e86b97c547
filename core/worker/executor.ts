/**
 * Runs one claimed job: checks its message, finds its task, calls the
 * handler with a context, and turns what happened into an outcome for the
 * database. It never throws: every problem becomes a stored failure.
 */
import type { LamportClock } from "../clock.ts";
import { RetryRequested, runWithContext, type TaskContext } from "../context.ts";
import * as D from "../defaults.ts";
import { parseDuration } from "../duration.ts";
import { type ErrorInfo, InvalidMessage, toErrorInfo } from "../errors.ts";
import { type Message, messageProblem } from "../message.ts";
import { type Registry, unknownTask } from "../registry.ts";
import type { Task } from "../task.ts";
import type { ClaimedJob, Completion, RetryRequest } from "../transport.ts";

export type Outcome =
  | { kind: "complete"; completion: Completion; task: string }
  | { kind: "retry"; retry: RetryRequest; task: string; error: ErrorInfo };

export interface ExecutorDeps {
  // deno-lint-ignore no-explicit-any
  registry: Registry<Task<any, any>>;
  clock: LamportClock;
}

function failure(job: ClaimedJob, task: string, error: ErrorInfo): Outcome {
  return { kind: "complete", task, completion: { id: job.id, attempt: job.attempt, state: "FAILURE", error } };
}

/** A JSON-safe result value, or the error that says why it is not one. */
function storable(value: unknown): { value: unknown } | { error: ErrorInfo } {
  if (value === undefined) return { value: null };
  if (value === null || typeof value === "string" || typeof value === "boolean") return { value };
  if (typeof value === "number") return { value: Number.isFinite(value) ? value : null };
  try {
    JSON.stringify(value);
    return { value };
  } catch (error) {
    return { error: { type: "ResultNotSerializable", message: `The handler returned a value that cannot be stored as JSON: ${(error as Error).message}.` } };
  }
}

/** Runs `job` to an outcome. `signal` aborts the handler (shutdown, revoke, time limit). */
export async function executeJob(job: ClaimedJob, signal: AbortSignal, deps: ExecutorDeps): Promise<Outcome> {
  const raw = job.message as Partial<Message> | null;
  const taskName = typeof raw?.task === "string" ? raw.task : "(unknown)";
  const problem = messageProblem(raw);
  if (problem) {
    const error = new InvalidMessage(`The message of job ${job.id} does not match the protocol: ${problem}. It was not run.`);
    return failure(job, taskName, toErrorInfo(error));
  }
  const message = raw as Message;
  deps.clock.adjust(message.clock);
  const task = deps.registry.get(message.task);
  if (!task) return failure(job, taskName, toErrorInfo(unknownTask(message.task, deps.registry.names(), "on this worker")));
  try {
    task.checkArgs(message.args);
  } catch (error) {
    return failure(job, taskName, toErrorInfo(error));
  }

  const context: TaskContext = {
    id: message.id,
    name: message.task,
    retries: message.retries,
    maxRetries: message.maxRetries,
    attempt: job.attempt,
    queue: message.queue,
    rootId: message.rootId,
    parentId: message.parentId,
    signal,
    message,
    retry: (options) => new RetryRequested(options),
  };
  const args = Object.keys(message.kwargs).length ? [...message.args, message.kwargs] : message.args;
  try {
    const value = await runWithContext(context, () => task.handler.apply(context, args as never));
    const stored = storable(value);
    if ("error" in stored) return failure(job, taskName, stored.error);
    return { kind: "complete", task: taskName, completion: { id: job.id, attempt: job.attempt, state: "SUCCESS", value: stored.value } };
  } catch (thrown) {
    if (thrown instanceof RetryRequested) return retryOrFail(job, message, task, thrown);
    return failure(job, taskName, toErrorInfo(thrown));
  }
}

// deno-lint-ignore no-explicit-any
function retryOrFail(job: ClaimedJob, message: Message, task: Task<any, any>, request: RetryRequested): Outcome {
  const error = toErrorInfo(request.error ?? request);
  if (message.retries >= message.maxRetries) {
    return failure(job, message.task, { ...error, message: `${error.message} (out of retries: ${message.retries} of ${message.maxRetries} used)` });
  }
  const delayMs = parseDuration(request.countdown ?? task.options.retryDelay ?? D.DEFAULT_RETRY_DELAY_MS) ?? D.DEFAULT_RETRY_DELAY_MS;
  return {
    kind: "retry",
    task: message.task,
    error,
    retry: { id: job.id, attempt: job.attempt, delayMs, message: { ...message, retries: message.retries + 1 } },
  };
}
