/** Builds messages from send options: ids, times, routing and provenance. */
import { currentTraceOrigin } from "./tracing.ts";
import * as D from "./defaults.ts";
import { type Duration, parseDuration } from "./duration.ts";
import { ConfigError, InvalidArguments } from "./errors.ts";
import { storableProblem, textProblem } from "./storable.ts";
import { createHash } from "node:crypto";
import { assertMessage, type Message, PROTOCOL_VERSION } from "./message.ts";
import { newId } from "./ids.ts";
import { hostname, pid } from "./runtime.ts";
import { type CanvasLike, type Errback, type SendOptions, type TaskOptions, timeLimitMs } from "./task.ts";
import { assertCanvas, type CanvasData, type TaskStep, withIds } from "./canvas/data.ts";
import type { InsertOptions } from "./transport.ts";

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
  assertStorableText("The task name", name);
  if (options.uniqueKey !== undefined) assertStorableText(`Send option "uniqueKey"`, options.uniqueKey);
  assertStorableArguments(name, args, options.kwargs);
  const id = options.id ?? newId();
  const message: Message = {
    v: PROTOCOL_VERSION,
    id,
    task: name,
    args,
    kwargs: options.kwargs ?? {},
    queue: options.queue ?? task?.queue ?? defaults.defaultQueue,
    priority: options.priority ?? task?.priority ?? D.DEFAULT_PRIORITY,
    retries: 0,
    rootId: options.rootId ?? id,
    // The trace context of the span active now, when tracing is on (core/tracing.ts).
    origin: { host: cachedHost ??= hostname(), pid, ...currentTraceOrigin() },
    clock: defaults.clock,
    sentAt: new Date().toISOString(),
  };
  if (options.maxRetries !== undefined) message.maxRetries = options.maxRetries;
  if (options.parentId) message.parentId = options.parentId;
  if (options.eta !== undefined) message.eta = toIso(options.eta, "eta");
  if (options.countdown !== undefined) message.eta = fromNow(options.countdown, "countdown");
  if (options.expires !== undefined) {
    message.expires = expiresInMs(options) !== undefined ? fromNow(options.expires as Duration, "expires") : toIso(options.expires as Date | string, "expires");
  }
  if (options.timeLimit) message.timeLimit = timeLimitMs(options.timeLimit, `Send option "timeLimit"`);
  // A throttled or debounced send is gated by its own key, not the task's unique key.
  const gated = options.throttle !== undefined || options.debounce !== undefined;
  const uniqueKey = options.uniqueKey ?? (task?.unique && !gated ? derivedUniqueKey(name, args, message.kwargs) : undefined);
  if (uniqueKey !== undefined) message.uniqueKey = uniqueKey;
  if (options.errback !== undefined) message.errbacks = errbacks(options.errback);
  if (options.link !== undefined) message.callbacks = listOf(options.link).map((c) => withIds(canvasData(c, "link")));
  if (options.linkError !== undefined) {
    const steps = listOf(options.linkError).map((c) => canvasData(c, "linkError"));
    const bad = steps.find((s) => s.kind !== "task");
    if (bad) throw new ConfigError(`Send option "linkError" takes task signatures only, got a ${bad.kind}.`);
    message.errbacks = [...(message.errbacks ?? []), ...(steps as TaskStep[]).map(errbackOf)];
  }
  assertMessage(message);
  return message;
}

/**
 * Refuses arguments PostgreSQL cannot store, or JSON would silently change
 * (a function dropped, a Map emptied), before anything is written, naming
 * the task and where in the arguments the value is.
 */
function assertStorableArguments(name: string, args: unknown[], kwargs: Record<string, unknown> | undefined): void {
  const problem = storableProblem(args, "args") ?? (kwargs === undefined ? undefined : storableProblem(kwargs, "kwargs"));
  if (problem) {
    throw new InvalidArguments(`Task "${name}": ${problem.path} cannot be sent: it is ${problem.reason}. Nothing was sent.`);
  }
}

function listOf<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** The data of a canvas given as an object with toJSON() or as data, checked. */
function canvasData(value: CanvasLike, option: string): CanvasData {
  const data = typeof (value as { toJSON?: unknown }).toJSON === "function" ? (value as { toJSON(): CanvasData }).toJSON() : value as CanvasData;
  assertCanvas(data, `Send option "${option}"`);
  return data;
}

/** An errback entry of a message from a task signature. */
function errbackOf(step: TaskStep): NonNullable<Message["errbacks"]>[number] {
  return {
    task: step.task,
    args: step.args,
    ...(step.options?.queue ? { queue: step.options.queue } : {}),
    ...(step.immutable ? { immutable: true } : {}),
  };
}

/** `expires` as ms from now when it is a duration; undefined when it is a time (or absent). */
function expiresInMs(options: SendOptions): number | undefined {
  const { expires } = options;
  if (typeof expires === "number" || (typeof expires === "string" && parseDuration(expires) !== undefined)) {
    return parseDuration(expires as Duration);
  }
  return undefined;
}

/** A unique key from the task name and arguments: equal calls share it. */
function derivedUniqueKey(name: string, args: unknown[], kwargs: Record<string, unknown>): string {
  const digest = createHash("sha256").update(JSON.stringify([args, kwargs])).digest("hex");
  return `${name}:${digest}`;
}

function errbacks(value: NonNullable<SendOptions["errback"]>): NonNullable<Message["errbacks"]> {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item: string | Errback) => {
    const errback = typeof item === "string" ? { task: item } : item;
    if (typeof errback?.task !== "string" || errback.task === "") {
      throw new ConfigError(`Send option "errback" must name a task: a name or { task, args?, queue? }, got ${JSON.stringify(item)}.`);
    }
    return { task: errback.task, args: errback.args ?? [], ...(errback.queue ? { queue: errback.queue } : {}), ...(errback.immutable ? { immutable: true } : {}) };
  });
}

/** What the database applies with its own clock: countdown, expiry as a duration, and the unique window. */
export function insertTiming(options: SendOptions, task: Partial<TaskOptions> | undefined): InsertOptions {
  const timing: InsertOptions = {};
  if (options.countdown !== undefined) timing.delayMs = parseDuration(options.countdown);
  const expires = expiresInMs(options);
  if (expires !== undefined) timing.expiresInMs = expires;
  const window = options.uniqueWindow ?? (typeof task?.unique === "object" ? task.unique.window : undefined);
  if (window !== undefined) {
    const ms = parseDuration(window);
    if (ms === undefined) throw new ConfigError(`Option "uniqueWindow" must be a duration such as "10m", got ${JSON.stringify(window)}.`);
    timing.uniqueWindowMs = ms;
  }
  if (options.group !== undefined) timing.group = groupOf(options.group);
  const gate = sendGate(options);
  if (gate) {
    timing.gate = gate;
    if (gate.kind === "debounce") timing.delayMs = gate.ms;
  }
  return timing;
}

/** The send option `group`, checked. */
function groupOf(group: unknown): string {
  if (typeof group !== "string" || group.length === 0 || group.length > 200) {
    throw new ConfigError(`Send option "group" must be a string of 1-200 characters, such as a tenant id, got ${JSON.stringify(group)}.`);
  }
  assertStorableText(`Send option "group"`, group);
  return group;
}

/**
 * Refuses a name or key PostgreSQL cannot store (a NUL character, half of a
 * UTF-16 pair) before anything is written; the server would refuse the whole
 * statement with an error that names neither.
 */
function assertStorableText(what: string, text: string): void {
  const problem = typeof text === "string" ? textProblem(text) : undefined;
  if (problem) throw new ConfigError(`${what} ${JSON.stringify(text)} cannot be sent: it contains ${problem}. Nothing was sent.`);
}

/** The throttle or debounce of a send, checked: a key, a duration, and nothing it cannot be combined with. */
function sendGate(options: SendOptions): InsertOptions["gate"] {
  const { throttle, debounce } = options;
  if (throttle === undefined && debounce === undefined) return undefined;
  if (throttle !== undefined && debounce !== undefined) throw new ConfigError(`Send options "throttle" and "debounce" cannot be used together: pick one.`);
  const kind = throttle !== undefined ? "throttle" : "debounce";
  const gate = (throttle ?? debounce) as { key?: unknown; per?: Duration; delay?: Duration };
  const shape = kind === "throttle" ? `{ key: "…", per: "1m" }` : `{ key: "…", delay: "5s" }`;
  if (typeof gate !== "object" || gate === null || typeof gate.key !== "string" || gate.key === "") {
    throw new ConfigError(`Send option "${kind}" needs a non-empty key: ${shape}, got ${JSON.stringify(gate)}.`);
  }
  const span = kind === "throttle" ? gate.per : gate.delay;
  const ms = span === undefined ? undefined : parseDuration(span);
  if (ms === undefined || ms <= 0) {
    throw new ConfigError(`Send option "${kind}" needs ${kind === "throttle" ? "per" : "delay"} as a duration longer than 0: ${shape}, got ${JSON.stringify(span)}.`);
  }
  for (const other of ["uniqueKey", "countdown", "eta"] as const) {
    if (options[other] !== undefined && (other === "uniqueKey" || kind === "debounce")) {
      throw new ConfigError(`Send option "${kind}" cannot be used with "${other}": ${kind === "debounce" ? "the debounce delay decides when it runs" : "the throttle key decides which send makes the job"}.`);
    }
  }
  assertStorableText(`The key of send option "${kind}"`, gate.key);
  return { kind, key: gate.key, ms };
}
