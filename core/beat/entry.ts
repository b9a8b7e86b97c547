/**
 * A beat schedule entry as users write it (app.conf.beatSchedule, or
 * `app.schedules.add()`), checked and turned into its stored form.
 */
import type { Duration } from "../duration.ts";
import { ConfigError } from "../errors.ts";
import { validateTaskOptions } from "../task.ts";
import type { ScheduleDefinition } from "../transport.ts";
import { MISSED_POLICIES, type MissedPolicy } from "./plan.ts";
import { isSchedule, type Schedule } from "./schedule.ts";
import { buildTick } from "./tick_message.ts";

/** How each tick's job is sent: the JSON-storable subset of SendOptions. */
export interface BeatSendOptions {
  /** Queue for each tick's job; otherwise the task's when the beat process has its code, else the app's default queue. */
  queue?: string;
  /** 0..9, 9 first; otherwise the task's when the beat process has its code, else 5. */
  priority?: number;
  /** A tick's job not started within this long is not run (e.g. "55s" for a per-minute job). */
  expires?: Duration;
  /** Retries allowed for each tick's job, instead of what the task declares on the worker. */
  maxRetries?: number;
  /** Time limits of each tick's job, instead of the task's. */
  timeLimit?: { soft?: Duration; hard?: Duration };
}

/** A periodic task: which task to send, when, and with what (`app.conf.beatSchedule`, `app.schedules.add()`). */
export interface BeatEntry {
  /** The task to send, by name: the beat process does not need its code. */
  task: string;
  /** cron(), every() or at(). */
  schedule: Schedule;
  /** Arguments of each tick's job (JSON); none by default. */
  args?: unknown[];
  /** Keyword arguments of each tick's job (JSON). */
  kwargs?: Record<string, unknown>;
  /** How each tick's job is sent. */
  options?: BeatSendOptions;
  /** Ticks missed while no beat ran: "skip" (default; "once" for at()), "once" or "all". */
  missed?: MissedPolicy;
}

/** Schedule names: shown in logs and typed in `tq beat` commands. */
const SCHEDULE_NAME = /^[A-Za-z0-9_.:-]{1,200}$/;
const SEND_OPTION_KEYS = new Set(["queue", "priority", "expires", "maxRetries", "timeLimit"]);

/** Checks an entry and returns its stored form; throws ConfigError naming what is wrong. */
export function definitionFromEntry(name: string, entry: BeatEntry, enabled = true): ScheduleDefinition {
  const where = `Beat schedule ${JSON.stringify(name)}`;
  if (!SCHEDULE_NAME.test(name)) throw new ConfigError(`${where}: a schedule name must be 1-200 letters, digits or _.:-.`);
  if (typeof entry !== "object" || entry === null) throw new ConfigError(`${where} must be an object { task, schedule, args?, kwargs?, options?, missed? }.`);
  if (typeof entry.task !== "string" || entry.task === "") throw new ConfigError(`${where}: "task" must name a task, got ${JSON.stringify(entry.task)}.`);
  if (!isSchedule(entry.schedule)) {
    throw new ConfigError(`${where}: "schedule" must be made with cron("0 9 * * *"), every("30s") or at(date), got ${JSON.stringify(entry.schedule)}.`);
  }
  const args = entry.args ?? [];
  if (!Array.isArray(args)) throw new ConfigError(`${where}: "args" must be an array, got ${JSON.stringify(args)}.`);
  const kwargs = entry.kwargs ?? {};
  if (typeof kwargs !== "object" || kwargs === null || Array.isArray(kwargs)) {
    throw new ConfigError(`${where}: "kwargs" must be an object, got ${JSON.stringify(kwargs)}.`);
  }
  const options = entry.options ?? {};
  for (const key of Object.keys(options)) {
    if (!SEND_OPTION_KEYS.has(key)) throw new ConfigError(`${where}: unknown send option ${JSON.stringify(key)}; use ${[...SEND_OPTION_KEYS].join(", ")}.`);
  }
  try {
    validateTaskOptions({ name: entry.task, ...options } as Parameters<typeof validateTaskOptions>[0]);
  } catch (error) {
    throw new ConfigError(`${where}: ${(error as Error).message}`);
  }
  const missed = entry.missed ?? (entry.schedule.kind === "at" ? "once" : "skip");
  if (!MISSED_POLICIES.includes(missed)) throw new ConfigError(`${where}: "missed" must be skip, once or all, got ${JSON.stringify(missed)}.`);
  const definition: ScheduleDefinition = {
    name,
    task: entry.task,
    kind: entry.schedule.kind,
    spec: entry.schedule.spec,
    tz: entry.schedule.tz,
    args,
    kwargs,
    options: { ...options },
    missed,
    enabled,
  };
  // Build one message now, so what would fail on every tick fails here instead.
  try {
    buildTick(definition, undefined, { defaultQueue: "default", clock: 0 });
  } catch (error) {
    throw new ConfigError(`${where}: ${(error as Error).message}`);
  }
  return definition;
}

/** Every entry of app.conf.beatSchedule in stored form; errors name the entry. */
export function definitionsFromConf(beatSchedule: Record<string, BeatEntry> | undefined): ScheduleDefinition[] {
  if (beatSchedule === undefined) return [];
  if (typeof beatSchedule !== "object" || beatSchedule === null || Array.isArray(beatSchedule)) {
    throw new ConfigError(`app.conf.beatSchedule must be an object of { name: { task, schedule, ... } }, got ${JSON.stringify(beatSchedule)}.`);
  }
  return Object.entries(beatSchedule).map(([name, entry]) => definitionFromEntry(name, entry));
}
