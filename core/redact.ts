/**
 * What tq shows of a call's arguments (TaskOptions.redact, after Celery's
 * argsrepr/kwargsrepr): marked positions and keyword names as "[redacted]",
 * or what the task's function returns. The handler always receives the real
 * values; this is only what inspect, events and stored failures show.
 *
 * Fails closed: a function that throws or returns something unusable, or a
 * rule tq cannot read, hides every argument instead of showing the real ones.
 */
import { ConfigError } from "./errors.ts";
import type { Redaction } from "./task.ts";

/** What a marked argument shows as. */
export const REDACTED = "[redacted]";

/** The arguments as tq shows them: stored beside the message (jobs.args_shown). */
export interface ShownArgs {
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/**
 * A task's redaction as the database can apply it to jobs sent by name from
 * a process without the task's code: positions and names, or `every` for a
 * function (which only code can run).
 */
export interface RedactionRule {
  task: string;
  args: number[];
  kwargs: string[];
  every: boolean;
}

/** Every argument and every keyword value hidden, the shape kept. */
export function redactEverything(args: unknown[], kwargs: Record<string, unknown>): ShownArgs {
  return {
    args: Array.isArray(args) ? args.map(() => REDACTED) : [],
    kwargs: Object.fromEntries(Object.keys(kwargs ?? {}).map((key) => [key, REDACTED])),
  };
}

function isPositions(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((n) => Number.isInteger(n) && n >= 0);
}

function isNames(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((n) => typeof n === "string");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What to show of `args` and `kwargs` under `redaction`; undefined when the
 * task declares none (the real arguments are shown). A function's result
 * must be JSON with `args` an array; `kwargs` left out hides every keyword
 * value. Anything else (a throw included) hides everything.
 */
export function shownArgs(redaction: Redaction | undefined, args: unknown[], kwargs: Record<string, unknown> = {}): ShownArgs | undefined {
  if (redaction === undefined) return undefined;
  try {
    if (typeof redaction === "function") {
      const shown = redaction(structuredClone(args), structuredClone(kwargs));
      if (!isPlainObject(shown) || !Array.isArray(shown.args) || (shown.kwargs !== undefined && !isPlainObject(shown.kwargs))) {
        return redactEverything(args, kwargs);
      }
      const result = { args: shown.args, kwargs: shown.kwargs ?? redactEverything([], kwargs).kwargs };
      // Stored as JSON: what JSON cannot hold (a BigInt, a cycle) hides everything.
      return JSON.parse(JSON.stringify(result));
    }
    if (!isPlainObject(redaction) || (redaction.args !== undefined && !isPositions(redaction.args)) || (redaction.kwargs !== undefined && !isNames(redaction.kwargs))) {
      return redactEverything(args, kwargs);
    }
    const positions = new Set(redaction.args ?? []);
    const names = new Set(redaction.kwargs ?? []);
    return {
      args: args.map((value, i) => (positions.has(i) ? REDACTED : value)),
      kwargs: Object.fromEntries(Object.entries(kwargs).map(([key, value]) => [key, names.has(key) ? REDACTED : value])),
    };
  } catch {
    return redactEverything(args, kwargs);
  }
}

/** The rule the database applies for `task`'s redaction; undefined when it declares none. */
export function redactionRule(task: string, redaction: Redaction | undefined): RedactionRule | undefined {
  if (redaction === undefined) return undefined;
  if (typeof redaction === "function") return { task, args: [], kwargs: [], every: true };
  if (!isPlainObject(redaction) || (redaction.args !== undefined && !isPositions(redaction.args)) || (redaction.kwargs !== undefined && !isNames(redaction.kwargs))) {
    return { task, args: [], kwargs: [], every: true };
  }
  return { task, args: [...(redaction.args ?? [])], kwargs: [...(redaction.kwargs ?? [])], every: false };
}

/** The rules of the tasks that declare `redact` (an empty one too: it removes the stored rule). */
export function redactionRules(tasks: { name: string; options: { redact?: Redaction } }[]): RedactionRule[] {
  return tasks.flatMap((task) => redactionRule(task.name, task.options.redact) ?? []);
}

/** Checks a task's `redact` option; throws ConfigError naming what is wrong. */
export function checkRedaction(task: string, redaction: unknown): void {
  if (redaction === undefined || typeof redaction === "function") return;
  const where = `Task "${task}": option "redact"`;
  if (!isPlainObject(redaction)) throw new ConfigError(`${where} must be { args?: number[], kwargs?: string[] } or a function, got ${typeof redaction}.`);
  for (const key of Object.keys(redaction)) {
    if (key !== "args" && key !== "kwargs") throw new ConfigError(`${where} has an unknown key "${key}": use args (positions) and kwargs (names).`);
  }
  if (redaction.args !== undefined && !isPositions(redaction.args)) {
    throw new ConfigError(`${where}.args must list argument positions (integers from 0), got ${JSON.stringify(redaction.args)}.`);
  }
  if (redaction.kwargs !== undefined && !isNames(redaction.kwargs)) {
    throw new ConfigError(`${where}.kwargs must list keyword argument names, got ${JSON.stringify(redaction.kwargs)}.`);
  }
}
