/**
 * Schedules and the missed-tick plan, at unit level: cron instants in time
 * zones across DST changes (croner), epoch-anchored intervals, one-shot
 * times, and what each missed-tick policy sends after a gap.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { at, ConfigError, cron, every } from "../mod.ts";
import { MAX_CATCH_UP, planTicks } from "../core/beat/plan.ts";
import { definitionFromEntry } from "../core/beat/entry.ts";
import { scheduleFromSpec } from "../core/beat/schedule.ts";

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** The next `n` fire times after `from`. */
function nextTimes(schedule: ReturnType<typeof cron>, from: string, n: number): (string | null)[] {
  const times: (string | null)[] = [];
  let cursor: Date | null = new Date(from);
  for (let i = 0; i < n && cursor; i++) {
    cursor = schedule.next(cursor);
    times.push(iso(cursor));
  }
  return times;
}

test("cron in Europe/Berlin: a time skipped in spring fires once right after the gap, a repeated one in autumn fires once", () => {
  const daily = cron("30 2 * * *", { tz: "Europe/Berlin" });
  // 28 March: 02:30 CET (UTC+1). 29 March: 02:30 does not exist (02:00 -> 03:00), so 03:00 CEST.
  // 30 March: 02:30 CEST (UTC+2).
  assert.deepEqual(nextTimes(daily, "2026-03-27T12:00:00Z", 3), [
    "2026-03-28T01:30:00.000Z",
    "2026-03-29T01:00:00.000Z",
    "2026-03-30T00:30:00.000Z",
  ]);
  // 25 October: 02:30 happens twice (CEST then CET); it fires at the first only.
  assert.deepEqual(nextTimes(daily, "2026-10-24T12:00:00Z", 3), [
    "2026-10-25T00:30:00.000Z",
    "2026-10-26T01:30:00.000Z",
    "2026-10-27T01:30:00.000Z",
  ]);
});

test("cron in a zone keeps local wall time across DST: weekdays at 09:00 in Berlin and New York", () => {
  const berlin = cron("0 9 * * 1-5", { tz: "Europe/Berlin" });
  // Friday before the change at 08:00Z (CET), Monday after it at 07:00Z (CEST).
  assert.deepEqual(nextTimes(berlin, "2026-03-27T00:00:00Z", 2), ["2026-03-27T08:00:00.000Z", "2026-03-30T07:00:00.000Z"]);
  const newYork = cron("0 9 * * *", { tz: "America/New_York" });
  // The US changed on 8 March 2026: 09:00 EST = 14:00Z, then 09:00 EDT = 13:00Z.
  assert.deepEqual(nextTimes(newYork, "2026-03-06T20:00:00Z", 3), [
    "2026-03-07T14:00:00.000Z",
    "2026-03-08T13:00:00.000Z",
    "2026-03-09T13:00:00.000Z",
  ]);
  // Without a zone, cron is UTC.
  assert.equal(iso(cron("0 9 * * *").next(new Date("2026-03-08T12:00:00Z"))), "2026-03-09T09:00:00.000Z");
});

test("cron takes 6 fields (seconds first), names, L and #", () => {
  assert.deepEqual(nextTimes(cron("*/20 * * * * *"), "2026-01-01T00:00:05Z", 3), [
    "2026-01-01T00:00:20.000Z",
    "2026-01-01T00:00:40.000Z",
    "2026-01-01T00:01:00.000Z",
  ]);
  // The second Monday of November 2026 is the 9th; the last day of February 2027 the 28th.
  assert.equal(iso(cron("0 0 * * MON#2").next(new Date("2026-11-01T00:00:00Z"))), "2026-11-09T00:00:00.000Z");
  assert.equal(iso(cron("0 12 L FEB *").next(new Date("2026-12-01T00:00:00Z"))), "2027-02-28T12:00:00.000Z");
});

test("bad schedules fail where they are written, naming what is wrong", () => {
  assert.throws(() => cron("61 * * * *"), (e: Error) => e instanceof ConfigError && /Invalid cron expression "61 \* \* \* \*"/.test(e.message));
  assert.throws(() => cron("0 9 * * *", { tz: "Mars/Olympus" }), (e: Error) => e instanceof ConfigError && /Unknown time zone "Mars\/Olympus"/.test(e.message));
  assert.throws(() => cron("* * * *"), ConfigError);
  assert.throws(() => every("500ms"), /at least 1s/);
  assert.throws(() => every("soon"), /every\(\) needs/);
  assert.throws(() => at("next tuesday"), /ISO-8601/);
  assert.throws(() => scheduleFromSpec("hourly", "1", null), /Unknown schedule kind "hourly"/);
  const entry = { task: "report", schedule: every("1m") };
  assert.throws(() => definitionFromEntry("bad name!", entry), /schedule name/);
  assert.throws(() => definitionFromEntry("r", { ...entry, missed: "sometimes" as never }), /"missed" must be skip, once or all/);
  assert.throws(() => definitionFromEntry("r", { ...entry, options: { priority: 12 } }), /priority/);
  assert.throws(() => definitionFromEntry("r", { ...entry, options: { countdown: 5 } as never }), /unknown send option "countdown"/);
  assert.throws(() => definitionFromEntry("r", { ...entry, args: "x" as never }), /"args" must be an array/);
  assert.throws(() => definitionFromEntry("r", { task: "report", schedule: "0 9 * * *" as never }), /must be made with cron/);
});

test("every() fires on whole multiples of its interval since the epoch, the same on every host", () => {
  const fiveMinutes = every("5m");
  assert.equal(iso(fiveMinutes.next(new Date("2026-06-01T10:03:17.250Z"))), "2026-06-01T10:05:00.000Z");
  assert.equal(iso(fiveMinutes.next(new Date("2026-06-01T10:05:00.000Z"))), "2026-06-01T10:10:00.000Z", "strictly after");
  assert.equal(every(1_000).next(new Date(1_500))!.getTime(), 2_000);
  assert.equal(every("1h").describe(), "every 1h");
  const once = at("2026-12-24T18:00:00Z");
  assert.equal(iso(once.next(new Date("2026-12-24T17:00:00Z"))), "2026-12-24T18:00:00.000Z");
  assert.equal(once.next(new Date("2026-12-24T18:00:00Z")), null, "a one-shot time has no tick after it");
});

test("the stored form of a schedule gives back the same ticks", () => {
  for (const schedule of [cron("15 4 * * SUN", { tz: "Asia/Kolkata" }), every("90s"), at("2027-01-01T00:00:00Z")]) {
    const copy = scheduleFromSpec(schedule.kind, schedule.spec, schedule.tz);
    const from = new Date("2026-12-30T10:00:00Z");
    assert.equal(iso(copy.next(from)), iso(schedule.next(from)), schedule.describe());
  }
});

/** A 1-minute schedule down from 10:00:30 to 10:10:00.2: ticks 10:01 ... 10:10 are due, 10:10 on time. */
const gap = { schedule: every("1m"), lastFireAt: new Date("2026-06-01T10:00:30Z"), now: new Date("2026-06-01T10:10:00.200Z") };

test("missed ticks: skip sends only the on-time tick, once only the latest, all every one", () => {
  const skip = planTicks({ ...gap, policy: "skip" });
  assert.deepEqual(skip.send.map(iso), ["2026-06-01T10:10:00.000Z"]);
  assert.equal(skip.missed, 9);
  assert.equal(skip.skipped, 9);
  assert.equal(iso(skip.firstSkipped), "2026-06-01T10:01:00.000Z");
  assert.equal(iso(skip.lastSkipped), "2026-06-01T10:09:00.000Z");
  assert.equal(iso(skip.latestDue), "2026-06-01T10:10:00.000Z");

  const once = planTicks({ ...gap, policy: "once" });
  assert.deepEqual(once.send.map(iso), ["2026-06-01T10:10:00.000Z"]);
  assert.equal(once.skipped, 9);

  const all = planTicks({ ...gap, policy: "all" });
  assert.equal(all.send.length, 10);
  assert.equal(iso(all.send[0]), "2026-06-01T10:01:00.000Z");
  assert.equal(all.skipped, 0);

  // Between ticks, after the outage: skip sends nothing, once sends the latest missed tick.
  const later = { ...gap, now: new Date("2026-06-01T10:09:40Z") };
  assert.deepEqual(planTicks({ ...later, policy: "skip" }).send, []);
  assert.equal(iso(planTicks({ ...later, policy: "skip" }).latestDue), "2026-06-01T10:09:00.000Z", "skipped ticks are passed over");
  assert.deepEqual(planTicks({ ...later, policy: "once" }).send.map(iso), ["2026-06-01T10:09:00.000Z"]);

  // In normal running nothing is missed.
  const onTime = planTicks({ ...gap, lastFireAt: new Date("2026-06-01T10:09:00Z"), policy: "skip" });
  assert.deepEqual(onTime.send.map(iso), ["2026-06-01T10:10:00.000Z"]);
  assert.equal(onTime.missed, 0);
});

test("missed ticks: all catches up at most the latest 100, and a long outage is counted without stepping every tick", () => {
  const day = planTicks({
    schedule: cron("* * * * * *"),
    lastFireAt: new Date("2026-06-01T00:00:00Z"),
    now: new Date("2026-06-02T00:00:00.100Z"),
    policy: "all",
  });
  assert.equal(day.send.length, MAX_CATCH_UP);
  assert.equal(iso(day.send.at(-1)!), "2026-06-02T00:00:00.000Z");
  assert.equal(iso(day.send[0]), "2026-06-01T23:58:21.000Z");
  assert.ok(day.skippedAtLeast, "a day of seconds is not stepped one by one");
  assert.ok(day.skipped > 1_000 && day.skipped < 86_400, `skipped is a lower bound (${day.skipped})`);
  assert.equal(iso(day.firstSkipped), "2026-06-01T00:00:01.000Z");

  const fifty = planTicks({ schedule: every("1s"), lastFireAt: new Date("2026-06-01T00:00:00Z"), now: new Date("2026-06-01T00:00:50Z"), policy: "all" });
  assert.equal(fifty.send.length, 50);
  assert.equal(fifty.skipped, 0);
  assert.equal(fifty.skippedAtLeast, false);
});

test("a one-shot schedule missed while beat was down is sent once by default", () => {
  const entry = definitionFromEntry("launch", { task: "launch", schedule: at("2026-06-01T10:00:00Z") });
  assert.equal(entry.missed, "once");
  const plan = planTicks({
    schedule: at("2026-06-01T10:00:00Z"),
    lastFireAt: new Date("2026-06-01T09:00:00Z"),
    now: new Date("2026-06-01T11:00:00Z"),
    policy: entry.missed,
  });
  assert.deepEqual(plan.send.map(iso), ["2026-06-01T10:00:00.000Z"]);
  assert.equal(definitionFromEntry("ping", { task: "ping", schedule: every("30s") }).missed, "skip");
});
