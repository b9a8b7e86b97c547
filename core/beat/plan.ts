/**
 * Which ticks of one schedule to send now: pure, so every decision about
 * missed ticks can be tested without a clock or a database.
 */
import { type Schedule, typicalPeriodMs } from "./schedule.ts";

/**
 * What to do with ticks missed while no beat was running (or the leader was
 * slower than the grace): `skip` drops them, `once` sends only the latest due
 * tick, `all` sends each one (at most MAX_CATCH_UP, the most recent).
 */
export type MissedPolicy = "skip" | "once" | "all";

export const MISSED_POLICIES: readonly MissedPolicy[] = ["skip", "once", "all"];

/** The most missed ticks `all` sends after one gap; older ones are skipped. */
export const MAX_CATCH_UP = 100;

/** Ticks stepped through one by one before jumping ahead (a cron step costs ~30-50 µs). */
const SCAN_LIMIT = 2_000;

/**
 * How late a tick may be sent and still count as on time rather than
 * missed: half the period, at least 1 s (beat wakes about once a second)
 * and at most 5 s.
 */
export function defaultGraceMs(schedule: Schedule, now: Date): number {
  return Math.min(5_000, Math.max(1_000, typicalPeriodMs(schedule, now) / 2));
}

export interface TickPlan {
  /** Ticks to send now, oldest first. */
  send: Date[];
  /** Due ticks not sent (policy), and whether there may be more than counted. */
  skipped: number;
  skippedAtLeast: boolean;
  firstSkipped: Date | null;
  lastSkipped: Date | null;
  /** Missed ticks (older than the grace) among the due ones, sent or not. */
  missed: number;
  /** The latest due tick: the schedule's new last fire time once this plan is carried out. */
  latestDue: Date | null;
}

export interface PlanInput {
  schedule: Schedule;
  /** The last tick sent or skipped; ticks after it and up to `now` are due. */
  lastFireAt: Date;
  /** By the database clock. */
  now: Date;
  policy: MissedPolicy;
  graceMs?: number;
}

/** Decides which due ticks of a schedule to send, by its missed-tick policy. */
export function planTicks(input: PlanInput): TickPlan {
  const { schedule, now, policy } = input;
  const graceMs = input.graceMs ?? defaultGraceMs(schedule, now);
  const { ticks, count, counted, firstDue } = dueTicks(schedule, input.lastFireAt, now);
  const onTimeFrom = now.getTime() - graceMs;
  const missed = ticks.filter((t) => t.getTime() < onTimeFrom);
  const missedCount = count - (ticks.length - missed.length);

  let send: Date[];
  if (policy === "all") send = ticks;
  else if (policy === "once") send = ticks.slice(-1);
  else send = ticks.filter((t) => t.getTime() >= onTimeFrom);

  const sent = new Set(send.map((t) => t.getTime()));
  const notSent = ticks.filter((t) => !sent.has(t.getTime()));
  const skipped = count - send.length;
  return {
    send,
    skipped,
    skippedAtLeast: !counted,
    firstSkipped: skipped === 0 ? null : firstDue && !sent.has(firstDue.getTime()) ? firstDue : notSent[0] ?? null,
    lastSkipped: notSent.at(-1) ?? null,
    missed: missedCount,
    latestDue: ticks.at(-1) ?? null,
  };
}

/**
 * The due ticks in (after, now]: the latest MAX_CATCH_UP of them, and how
 * many there are. Past SCAN_LIMIT steps it jumps to just before the window it
 * keeps, and the count becomes a lower bound (`counted` false).
 */
function dueTicks(schedule: Schedule, after: Date, now: Date): { ticks: Date[]; count: number; counted: boolean; firstDue: Date | null } {
  const ticks: Date[] = [];
  let firstDue: Date | null = null;
  let count = 0;
  let counted = true;
  let cursor = after;
  for (let steps = 0;; steps++) {
    if (steps === SCAN_LIMIT && ticks.length > 1) {
      const periodMs = (ticks.at(-1)!.getTime() - ticks[0].getTime()) / (ticks.length - 1);
      const jumpTo = new Date(now.getTime() - periodMs * (MAX_CATCH_UP + 1));
      if (jumpTo.getTime() > cursor.getTime()) {
        cursor = jumpTo;
        ticks.length = 0;
        counted = false;
      }
    }
    const next = schedule.next(cursor);
    if (!next || next.getTime() > now.getTime()) break;
    count++;
    firstDue ??= next;
    ticks.push(next);
    if (ticks.length > MAX_CATCH_UP) ticks.shift();
    cursor = next;
  }
  return { ticks, count, counted, firstDue };
}
