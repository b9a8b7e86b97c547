/**
 * The child's side of the pool protocol (protocol.ts), the same in a thread
 * and in a child process: load the app once, then run what the worker sends
 * with `invokeHandler`, exactly as the async pool would in the worker itself.
 */
import { loadApp } from "../../app_module.ts";
import { SoftTimeLimitExceeded, TaskNotRegistered, TaskRevoked, TimeLimitExceeded, toErrorInfo, type TqError } from "../../errors.ts";
import type { Registry } from "../../registry.ts";
import type { Task } from "../../task.ts";
import { invokeHandler } from "../invoke.ts";
import { loadTracing, withRemoteParent } from "../../tracing.ts";
import type { Endpoint, ToChild } from "./protocol.ts";

/**
 * The reasons a worker aborts with, rebuilt as the same classes so a handler's
 * `instanceof SoftTimeLimitExceeded` holds in a child as it does in the worker.
 */
const REASONS: Record<string, new (message: string) => TqError> = { SoftTimeLimitExceeded, TimeLimitExceeded, TaskRevoked };

function rebuildReason(reason: { name: string; message: string }): Error {
  const Known = REASONS[reason.name];
  if (Known) return new Known(reason.message);
  const error = new Error(reason.message);
  error.name = reason.name;
  return error;
}

/** Serves the worker on `endpoint`; resolves with the exit code when the worker goes away. */
export function serveParent(endpoint: Endpoint): Promise<number> {
  // deno-lint-ignore no-explicit-any
  let registry: Registry<Task<any, any>> | undefined;
  const running = new Map<string, AbortController>();
  const acks = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextSeq = 0;

  function progress(jobId: string, meta: unknown): Promise<void> {
    const seq = nextSeq++;
    return new Promise((resolve, reject) => {
      acks.set(seq, { resolve, reject });
      endpoint.send({ type: "progress", jobId, seq, meta });
    });
  }

  async function init(appModule: string): Promise<void> {
    try {
      registry = (await loadApp(appModule)).registry;
      endpoint.send({ type: "ready" });
    } catch (error) {
      endpoint.send({ type: "failed", error: toErrorInfo(error) });
    }
  }

  async function run(jobId: string, attempt: number, message: ToChild & { type: "run" }): Promise<void> {
    const controller = new AbortController();
    running.set(jobId, controller);
    const task = registry?.get(message.message.task);
    if (message.traceparent) await loadTracing();
    const result = task
      ? await withRemoteParent(message.traceparent, () => invokeHandler(task, message.message, attempt, { signal: controller.signal, progress: (meta) => progress(jobId, meta) }))
      : { kind: "error" as const, error: toErrorInfo(new TaskNotRegistered(`The pool child's app has no task "${message.message.task}".`)), autoRetry: false };
    running.delete(jobId);
    endpoint.send({ type: "result", jobId, result });
  }

  return new Promise((resolve) => {
    endpoint.onMessage((message) => {
      switch (message.type) {
        case "init":
          void init(message.appModule);
          break;
        case "run":
          void run(message.jobId, message.attempt, message);
          break;
        case "abort":
          running.get(message.jobId)?.abort(rebuildReason(message.reason));
          break;
        case "progressed": {
          const ack = acks.get(message.seq);
          acks.delete(message.seq);
          if (message.error) ack?.reject(Object.assign(new Error(message.error.message), { name: message.error.type }));
          else ack?.resolve();
        }
      }
    });
    // Without the worker there is nobody to report to: end, rather than linger as an orphan.
    endpoint.onClose(() => resolve(0));
    endpoint.send({ type: "hello" });
  });
}
