/** Builds messages from send options: ids, times, routing and provenance. */
import * as D from "./defaults.ts";
import { type Duration, parseDuration } from "./duration.ts";
import { ConfigError } from "./errors.ts";
import { assertMessage, type Message, PROTOCOL_VERSION } from "./message.ts";
import { hostname, pid } from "./runtime.ts";
import type { SendOptions, TaskOptions } from "./task.ts";

let cachedHost: string | undefined;

function toIso(value: Date | string, option: string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new ConfigError(`Send option "${option}" must be a date or ISO-8601 string, got ${JSON.stringify(value)}.`);
  return date.toISOString();
}

function fromNow(value: Duration, option: string): string {
  const ms = parseDuration(value);
  if (ms === undefined) throw new ConfigError(`Send option "${option}" must be a duration such as 5000 or "5s", got ${JSON.stringify(value)}.`);
  return new Date(Date.now() + ms).toISOString();
}

export interface MessageDefaults {
  defaultQueue: string;
  clock: number;
}

/** A validated message for one call of task `name` (registered with `task` options, if known here). */
export function buildMessage(
  name: string,
  args: unknown[],
  options: SendOptions,
  task: Partial<TaskOptions> | undefined,
  defaults: MessageDefaults,
): Message {
  if (!Array.isArray(args)) throw new ConfigError(`Arguments of task "${name}" must be an array, got ${typeof args}.`);
  const id = options.id ?? crypto.randomUUID();
  const message: Message = {
    v: PROTOCOL_VERSION,
    id,
    task: name,
    args,
    kwargs: options.kwargs ?? {},
    queue: options.queue ?? task?.queue ?? defaults.defaultQueue,
    priority: options.priority ?? task?.priority ?? D.DEFAULT_PRIORITY,
    retries: 0,
    maxRetries: options.maxRetries ?? task?.maxRetries ?? D.DEFAULT_MAX_RETRIES,
    rootId: options.rootId ?? id,
    origin: { host: cachedHost ??= hostname(), pid },
    clock: defaults.clock,
    sentAt: new Date().toISOString(),
  };
  if (options.parentId) message.parentId = options.parentId;
  if (options.eta !== undefined) message.eta = toIso(options.eta, "eta");
  if (options.countdown !== undefined) message.eta = fromNow(options.countdown, "countdown");
  if (options.expires !== undefined) {
    message.expires = typeof options.expires === "number" || (typeof options.expires === "string" && parseDuration(options.expires) !== undefined)
      ? fromNow(options.expires as Duration, "expires")
      : toIso(options.expires as Date | string, "expires");
  }
  assertMessage(message);
  return message;
}
