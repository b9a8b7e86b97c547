/**
 * When a periodic task fires: cron expressions (croner), fixed intervals and
 * one-shot times. A schedule is a pure function from "after this instant" to
 * "the next fire time", so every beat instance computes the same ticks.
 */
import { Cron } from "croner";
import { type Duration, parseDuration } from "../duration.ts";
import { ConfigError } from "../errors.ts";

/** Which function made a schedule: cron(), every() or at(). */
export type ScheduleKind = "cron" | "every" | "at";

/** When a periodic task fires: made by cron(), every() or at(). */
export interface Schedule {
  /** Which of the three it is. */
  readonly kind: ScheduleKind;
  /** The cron expression, the interval in ms, or the ISO-8601 time: how it is stored. */
  readonly spec: string;
  /** IANA time zone of a cron schedule; null means UTC. */
  readonly tz: string | null;
  /** The first fire time strictly after `after`, or null if there is none. */
  next(after: Date): Date | null;
  /** For people: "cron 0 9 * * 1-5 (Europe/Berlin)", "every 30s", "at 2026-12-24T18:00:00.000Z". */
  describe(): string;
}

class CronSchedule implements Schedule {
  readonly kind = "cron";
  readonly #cron: Cron;

  constructor(readonly spec: string, readonly tz: string | null) {
    if (tz !== null) assertTimeZone(tz);
    try {
      this.#cron = new Cron(spec, { paused: true, timezone: tz ?? "UTC", mode: "5-or-6-parts" });
      // croner checks the time zone only when it first computes a time.
      this.#cron.nextRun(new Date(0));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(
        `Invalid cron expression ${JSON.stringify(spec)}: ${reason}. Use 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first).`,
      );
    }
  }

  next(after: Date): Date | null {
    return this.#cron.nextRun(after);
  }

  describe(): string {
    return `cron ${this.spec}${this.tz ? ` (${this.tz})` : ""}`;
  }
}

/** Fires at whole multiples of the interval since the Unix epoch: the same instants on every host. */
class EverySchedule implements Schedule {
  readonly kind = "every";
  readonly tz = null;
  readonly spec: string;

  constructor(readonly intervalMs: number) {
    this.spec = String(intervalMs);
  }

  next(after: Date): Date | null {
    const t = after.getTime();
    return new Date((Math.floor(t / this.intervalMs) + 1) * this.intervalMs);
  }

  describe(): string {
    return `every ${formatInterval(this.intervalMs)}`;
  }
}

class AtSchedule implements Schedule {
  readonly kind = "at";
  readonly tz = null;
  readonly spec: string;

  constructor(readonly time: Date) {
    this.spec = time.toISOString();
  }

  next(after: Date): Date | null {
    return this.time.getTime() > after.getTime() ? this.time : null;
  }

  describe(): string {
    return `at ${this.spec}`;
  }
}

/**
 * A cron schedule: 5 fields (minute hour day-of-month month day-of-week) or
 * 6 with seconds first; names (MON, JAN), L, W and # work. Times are in
 * `tz` (an IANA zone, UTC by default), DST included: a time skipped by a
 * spring change fires at the first instant after the gap, a time repeated
 * in autumn fires once.
 */
export function cron(expression: string, options: { tz?: string } = {}): Schedule {
  if (typeof expression !== "string" || expression.trim() === "") {
    throw new ConfigError(`cron() needs an expression such as "0 9 * * 1-5", got ${JSON.stringify(expression)}.`);
  }
  return new CronSchedule(expression.trim(), options.tz ?? null);
}

function assertTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
  } catch {
    throw new ConfigError(`Unknown time zone ${JSON.stringify(tz)}: use an IANA name such as "Europe/Berlin" or "America/New_York".`);
  }
}

/** The shortest interval: beat checks the clock about once a second. */
const MIN_INTERVAL_MS = 1_000;

/**
 * A fixed interval such as "30s", "5m" or 60000 (ms), at least 1 s. Ticks
 * fall on whole multiples of the interval since the epoch (every("1h") fires
 * on the hour), so they do not depend on when a beat process started.
 */
export function every(interval: Duration): Schedule {
  const ms = parseDuration(interval);
  if (ms === undefined || ms < MIN_INTERVAL_MS || !Number.isInteger(ms)) {
    throw new ConfigError(`every() needs a whole interval of at least 1s such as "30s", "5m" or 60000, got ${JSON.stringify(interval)}.`);
  }
  return new EverySchedule(ms);
}

/** Fires once, at `time` (a Date or an ISO-8601 string). */
export function at(time: Date | string): Schedule {
  const date = time instanceof Date ? new Date(time.getTime()) : new Date(time);
  if (Number.isNaN(date.getTime())) {
    throw new ConfigError(`at() needs a Date or an ISO-8601 time such as "2026-12-24T18:00:00Z", got ${JSON.stringify(time)}.`);
  }
  return new AtSchedule(date);
}

/** Rebuilds a schedule from its stored form. */
export function scheduleFromSpec(kind: string, spec: string, tz: string | null): Schedule {
  switch (kind) {
    case "cron":
      return cron(spec, { tz: tz ?? undefined });
    case "every":
      return every(Number(spec));
    case "at":
      return at(spec);
    default:
      throw new ConfigError(`Unknown schedule kind ${JSON.stringify(kind)}: expected cron, every or at.`);
  }
}

/** True when `value` is a schedule made by cron(), every() or at(), even from another copy of tq. */
export function isSchedule(value: unknown): value is Schedule {
  const v = value as Partial<Schedule> | null;
  return typeof v === "object" && v !== null && typeof v.next === "function" && typeof v.spec === "string" &&
    (v.kind === "cron" || v.kind === "every" || v.kind === "at");
}

/**
 * About how far apart ticks are near `from`: the gap between the next two.
 * Infinity for a one-shot schedule.
 */
export function typicalPeriodMs(schedule: Schedule, from: Date): number {
  const first = schedule.next(from);
  const second = first && schedule.next(first);
  return first && second ? second.getTime() - first.getTime() : Infinity;
}

function formatInterval(ms: number): string {
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1_000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
