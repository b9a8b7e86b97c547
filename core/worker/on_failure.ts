/** Runs a task's onFailure hook in the worker; the hook's own errors are logged, never fatal. */
import type { ErrorInfo } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Message } from "../message.ts";
import type { Registry } from "../registry.ts";
import type { Task } from "../task.ts";

// deno-lint-ignore no-explicit-any
export function callOnFailure(registry: Registry<Task<any, any>>, logger: Logger, error: ErrorInfo, message: Message): void {
  const hook = registry.get(message.task)?.options.onFailure;
  if (!hook) return;
  const failed = { id: message.id, name: message.task, args: message.args, kwargs: message.kwargs, retries: message.retries };
  Promise.resolve().then(() => hook(error, failed)).catch((hookError) => {
    logger.log("error", `The onFailure hook of task ${message.task} threw`, { id: message.id, error: String(hookError?.message ?? hookError) });
  });
}
