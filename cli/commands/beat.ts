/**
 * `tq beat`: runs beat (any number of them; one leads), or manages the
 * stored schedules: add, list, remove, enable, disable.
 */
import { type App, at, Beat, type BeatEntry, cron, every, type MissedPolicy, NotFound, type ScheduleInfo } from "../../mod.ts";
import { metricsAddress, processMetrics } from "../metrics/metrics_flags.ts";

import { EXIT, UsageError } from "../errors.ts";
import { parseJsonFlag } from "../json_flag.ts";
import { appFromOptions, readOnlyApp } from "../load_app.ts";
import { unknownMessage } from "../suggest.ts";
import { stopOnSignals } from "../stop_signals.ts";
import { loggerFromFlags } from "../logging.ts";
import { err, out } from "../output.ts";
import { type Cell, isoOrDash, printTable } from "../table.ts";

export interface BeatFlags {
  app?: string;
  task?: string;
  cron?: string;
  tz?: string;
  every?: string;
  at?: string;
  args?: string;
  kwargs?: string;
  queue?: string;
  priority?: string | number;
  expires?: string;
  missed?: string;
  replace?: boolean;
  json?: boolean;
  logLevel?: string;
  metricsPort?: string | number;
  metricsHost?: string;
  logFormat?: string;
}

const USAGE = "Use tq beat [-A tasks.ts] to run beat, or tq beat add|list|remove|enable|disable.";

const ACTIONS = ["run", "add", "list", "remove", "enable", "disable"];

export async function beatCommand(action: string | undefined, rest: string[], flags: BeatFlags): Promise<number> {
  if (action === undefined || action === "run") {
    if (flags.json) throw new UsageError("--json applies to tq beat add, list, remove, enable and disable; a running beat logs JSON with --log-format json.");
    return await runBeat(flags);
  }
  const name = rest[0] === undefined ? undefined : String(rest[0]);
  if (action === "list") {
    // Read-only: against a database without tq it says so (NotInstalled) and creates nothing.
    const app = await readOnlyApp(flags);
    try {
      return await listSchedules(app, flags);
    } finally {
      await app.close();
    }
  }
  if (!["add", "remove", "enable", "disable"].includes(action)) throw new UsageError(`${unknownMessage("beat command", String(action), ACTIONS)} ${USAGE}`);
  if (!name) throw new UsageError(`tq beat ${action} needs a schedule name: tq beat ${action} NAME`);
  if (action === "add") {
    const entry = entryFromFlags(flags);
    return await withApp(flags, async (app) => {
      const outcome = await app.schedules.add(name, entry, { replace: flags.replace === true });
      const next = (await app.schedules.list()).find((s) => s.name === name)?.nextRunAt ?? null;
      if (flags.json) out(JSON.stringify({ name, outcome, task: entry.task, schedule: entry.schedule.describe(), nextRunAt: next }));
      else out(`Schedule ${name} ${outcome}: ${entry.task} ${entry.schedule.describe()}; next run ${next ? next.toISOString() : "never"}.`);
      return EXIT.ok;
    });
  }
  return await withApp(flags, async (app) => {
    const done = action === "remove" ? await app.schedules.remove(name) : await app.schedules[action as "enable" | "disable"](name);
    if (!done) throw new NotFound(`No schedule named "${name}". \`tq beat list\` shows them.`);
    const outcome = action === "remove" ? "removed" : `${action}d`;
    out(flags.json ? JSON.stringify({ name, outcome }) : `Schedule ${name} ${outcome}.`);
    return EXIT.ok;
  });
}

async function withApp(flags: BeatFlags, use: (app: App) => Promise<number>): Promise<number> {
  const { app } = await appFromOptions(flags);
  try {
    return await use(app);
  } finally {
    await app.close();
  }
}

/** Runs beat until SIGTERM/SIGINT, then hands the lead over at once. */
async function runBeat(flags: BeatFlags): Promise<number> {
  const logger = loggerFromFlags(flags);
  const metricsAt = metricsAddress(flags);
  const { app, fromModule } = await appFromOptions(flags);
  app.configFromObject({ logger });
  const metrics = metricsAt ? await processMetrics() : undefined;
  // Without -A there is no code to sync: run only what is stored.
  const beat = new Beat(app, { logger, syncCodeSchedules: fromModule, telemetry: metrics?.listener });
  const metricsServer = metricsAt ? await metrics?.serve(metricsAt, logger) : undefined;
  const { stopped } = stopOnSignals(logger, { stop: () => beat.stop() }, "a standby beat takes over within seconds.");
  try {
    await beat.start();
    await stopped;
  } finally {
    await metricsServer?.stop();
    await app.close();
  }
  return EXIT.ok;
}

function entryFromFlags(flags: BeatFlags): BeatEntry {
  if (!flags.task) throw new UsageError('tq beat add needs the task to send: --task NAME (and --cron "...", --every DURATION or --at TIME)');
  const timings = [flags.cron, flags.every, flags.at].filter((v) => v !== undefined);
  if (timings.length !== 1) throw new UsageError('tq beat add needs exactly one of --cron "0 9 * * 1-5", --every 30s or --at 2026-12-24T18:00:00Z');
  if (flags.tz !== undefined && flags.cron === undefined) throw new UsageError("--tz applies to --cron only.");
  const schedule = flags.cron !== undefined
    ? cron(String(flags.cron), { tz: flags.tz })
    : flags.every !== undefined
    ? every(String(flags.every))
    : at(String(flags.at));
  const options: BeatEntry["options"] = {};
  if (flags.queue !== undefined) options.queue = String(flags.queue);
  if (flags.priority !== undefined) options.priority = Number(flags.priority);
  if (flags.expires !== undefined) options.expires = String(flags.expires);
  const missed = flags.missed as MissedPolicy | undefined;
  return {
    task: String(flags.task),
    schedule,
    args: flags.args === undefined ? undefined : parseJsonFlag(String(flags.args), "args", "array") as unknown[],
    kwargs: flags.kwargs === undefined ? undefined : parseJsonFlag(String(flags.kwargs), "kwargs", "object") as Record<string, unknown>,
    options,
    ...(missed !== undefined ? { missed } : {}),
  };
}

/** Every stored schedule with its last and next run (`tq beat list`, `tq inspect schedules`). */
export async function listSchedules(app: App, flags: { json?: boolean }): Promise<number> {
  const schedules = await app.schedules.list();
  if (flags.json) {
    out(JSON.stringify(schedules));
    return EXIT.ok;
  }
  if (schedules.length === 0) {
    out("No schedules. Add one with tq beat add NAME --task T --every 30s, or in code with app.conf.beatSchedule.");
    return EXIT.ok;
  }
  printTable(
    ["NAME", "TASK", "SCHEDULE", "MISSED", "STATE", "SOURCE", "LAST RUN", "NEXT RUN"],
    schedules.map((s: ScheduleInfo): Cell[] => [
      s.name,
      s.task,
      s.description,
      s.missed,
      s.problem ? { text: "broken", colour: "red" } : s.enabled ? "enabled" : { text: "disabled", colour: "yellow" },
      s.source,
      isoOrDash(s.lastSentAt),
      isoOrDash(s.nextRunAt),
    ]),
  );
  for (const s of schedules) if (s.problem) err(`tq: schedule "${s.name}" cannot run: ${s.problem}`);
  return EXIT.ok;
}
