#!/usr/bin/env -S bun
/** The `tq` command: argument parsing and output only; the logic lives in core/. */
import cac from "cac";
import { args, exit, runtimeVersion } from "../core/runtime.ts";
import { beatCommand } from "./commands/beat.ts";
import { callCommand } from "./commands/call.ts";
import { controlCommand } from "./commands/control.ts";
import { eventsCommand } from "./commands/events.ts";
import { inspectCommand } from "./commands/inspect.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { keysCommand } from "./commands/keys.ts";
import { purgeCommand } from "./commands/purge.ts";
import { reportCommand } from "./commands/report.ts";
import { retryCommand } from "./commands/retry.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { workerCommand } from "./commands/worker.ts";
import { EXIT, report, UsageError } from "./errors.ts";
import { out } from "./output.ts";
import { unknownMessage } from "./suggest.ts";
import { provideSelfAsTq } from "./self_module.ts";
import { POOL_CHILD_COMMAND, runPoolChild } from "../core/worker/pool/child_entry.ts";
import { PROTOCOL_VERSION } from "../core/message.ts";
import { TQ_VERSION } from "../core/version.ts";

/** tq's release, from package.json (the one place it is written; deno.json must agree). */
export const VERSION: string = TQ_VERSION;

// Set by scripts/build.ts in a compiled binary.
declare const TQ_BUILD_COMMIT: string | undefined;
/** The commit a binary was built from; "source" when run from a checkout. */
export const COMMIT: string = typeof TQ_BUILD_COMMIT === "string" ? TQ_BUILD_COMMIT : "source";

function buildCli() {
  const cli = cac("tq");
  cli
    .command("worker", "Run tasks from the queues")
    .option("-A, --app <path>", "Module that exports your App and tasks")
    .option("-Q, --queues <list>", "Comma-separated queues to consume (default: the app's default queue)")
    .option("-c, --concurrency <n>", "Tasks run at once (default 10)")
    .option("--prefetch <n>", "Jobs claimed beyond free slots (default 10)")
    .option("-l, --log-level <level>", "debug, info, warn, error or silent (default info)")
    .option("--log-format <format>", "text or json (default text)")
    .option("--grace <duration>", "Time running tasks get to finish after SIGTERM (default 30s)")
    .option("-P, --pool <kind>", "async (default), threads or process: threads and process can stop a handler at its hard time limit")
    .option("-B, --beat", "Also run beat in this process (like Celery's -B); safe with several workers, one leads")
    .option("-E, --events", "Send task and worker events (tail them with tq events)")
    .option("--metrics-port <n>", "Serve Prometheus metrics at http://127.0.0.1:<n>/metrics (0: any free port)")
    .option("--metrics-host <host>", "Address the metrics server binds to (default 127.0.0.1)")
    .example("tq worker -A ./tasks.ts --concurrency 20 --queues default,slow")
    .action((flags) => workerCommand(lastValues(flags)));
  cli
    .command("dev", "Try tq with nothing installed: embedded database (in .tq/), worker and beat in one process")
    .option("-A, --app <path>", "Module that exports your App and tasks")
    .option("-Q, --queues <list>", "Comma-separated queues to consume (default: the app's default queue)")
    .option("-c, --concurrency <n>", "Tasks run at once (default 10)")
    .option("--port <n>", "TCP port of the database on 127.0.0.1 (default: any free one)")
    .option("--dashboard-port <n>", "TCP port of the dashboard on 127.0.0.1 (default 5555, or any free one when taken)")
    .option("-l, --log-level <level>", "debug, info, warn, error or silent (default info)")
    .option("--log-format <format>", "text or json (default text)")
    .example("tq dev -A ./tasks.ts")
    // Loaded on use: PGlite is large, and no other command needs it.
    .action(async (flags) => (await import("./commands/dev.ts")).devCommand(lastValues(flags)));
  cli
    .command("dashboard", "Serve the web dashboard and cluster-wide Prometheus metrics (http://127.0.0.1:5555/)")
    .option("-A, --app <path>", "Module of the app (for its schema and database)")
    .option("--host <address>", "Address to bind to (default 127.0.0.1; beyond it, actions need TQ_DASHBOARD_TOKEN)")
    .option("--port <n>", "TCP port (default 5555; 0 for any free one)")
    .option("--read-only", "Show everything, change nothing: no retry, revoke, delete or pause")
    .option("-l, --log-level <level>", "debug, info, warn, error or silent (default info)")
    .option("--log-format <format>", "text or json (default text)")
    .example("tq dashboard")
    .example("TQ_DASHBOARD_TOKEN=$(openssl rand -hex 24) tq dashboard --host 0.0.0.0")
    .action(async (flags) => (await import("./commands/dashboard.ts")).dashboardCommand(lastValues(flags)));
  cli
    .command("call <task> [...args]", "Send a task by name; arguments are JSON where they parse as JSON")
    .option("-A, --app <path>", "Module of the app (optional: checks the task name against it)")
    .option("--args <json>", "Arguments as a JSON array (for negative numbers and the like)")
    .option("--kwargs <json>", "Keyword arguments as a JSON object")
    .option("--queue <name>", "Queue to send to")
    .option("--priority <n>", "0..9, 9 first")
    .option("--countdown <duration>", "Run no sooner than this from now (e.g. 10s)")
    .option("--eta <time>", "Run no sooner than this ISO-8601 time")
    .option("--expires <duration|time>", "Do not run after this long from now, or after this time")
    .option("--wait", "Wait for the result and print it as JSON")
    .option("--timeout <duration>", "With --wait: give up after this long (exit 4)")
    .option("--json", "Print one JSON object: id and state, and with --wait the value or error")
    .example("tq call add 2 3 --wait")
    .example("tq call add 2 3 --wait --timeout 30s --json")
    .action((task, rest, flags) => callCommand(task, rest, lastValues(flags)));
  cli
    .command("inspect <what> [...args]", "See the system: queues | workers | active | scheduled | reserved | failed | registered | stats | ping | schedules | job ID | why ID")
    .option("-A, --app <path>", "Module of the app (for its schema and database)")
    .option("--json", "Print JSON")
    .option("--task <name>", "active, scheduled, failed: only this task's")
    .option("--limit <n>", "active, scheduled, failed: at most this many (default 100)")
    .option("--worker <id>", "reserved, stats, ping: only this worker")
    .option("--timeout <duration>", "reserved, stats, ping: how long to wait for replies (default 2s)")
    .example("tq inspect queues")
    .example("tq inspect why 1b4e28ba-2fa1-11d2-883f-0016d3cca427")
    .action((what, rest, flags) => inspectCommand(what, rest, lastValues(flags)));
  cli
    .command(
      "control <action> [...args]",
      "Steer workers: revoke ID... | rate-limit TASK RATE | time-limit TASK SOFT HARD | pause QUEUE | resume QUEUE | paused | ping | shutdown | add-consumer QUEUE | cancel-consumer QUEUE",
    )
    .option("-A, --app <path>", "Module of the app (for its schema and database)")
    .option("--terminate", "revoke: also stop the task if it is running")
    .option("--cluster", "rate-limit: change the cluster-wide limit instead of the per-worker one")
    .option("--worker <id>", "ping, shutdown, add-consumer, cancel-consumer: only this worker")
    .option("--task <name>", "pause, resume: a task instead of a queue")
    .option("--timeout <duration>", "How long to wait for workers' replies (default 2s)")
    .option("--json", "Print the outcome as JSON")
    .example("tq control revoke 1b4e28ba-2fa1-11d2-883f-0016d3cca427 --terminate")
    .example('tq control rate-limit send_email "10/s"')
    .example("tq control shutdown --worker host:1234:ab12cd34")
    .example("tq control pause emails")
    .example("tq control resume --task charge_card")
    .action((action, rest, flags) => controlCommand(action, rest, lastValues(flags)));
  cli
    .command("purge <queue>", "Delete the waiting jobs of a queue (asks first)")
    .option("-A, --app <path>", "Module of the app (for its schema and database)")
    .option("-y, --yes", "Do not ask")
    .option("--json", "Print the outcome as JSON")
    .action((queue, flags) => purgeCommand(queue, lastValues(flags)));
  cli
    .command("events", "Tail task and worker events (workers send them with -E)")
    .option("-A, --app <path>", "Module of the app (for its schema and database)")
    .option("--json", "One JSON object a line")
    .option("--task <id>", "Only this task's events")
    .option("--history", "Print the last hour's events first")
    .action((flags) => eventsCommand(lastValues(flags)));
  cli
    .command("beat [action] [...args]", "Send tasks on schedules (run it, or: add NAME | list | remove NAME | enable NAME | disable NAME)")
    .option("-A, --app <path>", "Module of the app: its app.conf.beatSchedule is run too")
    .option("--task <name>", "add: the task to send")
    .option("--cron <expr>", 'add: cron expression, 5 or 6 fields ("0 9 * * 1-5")')
    .option("--tz <zone>", "add: IANA time zone of --cron (default UTC)")
    .option("--every <duration>", "add: fixed interval, at least 1s (30s, 5m, 1h)")
    .option("--at <time>", "add: one run at this ISO-8601 time")
    .option("--args <json>", "add: arguments as a JSON array")
    .option("--kwargs <json>", "add: keyword arguments as a JSON object")
    .option("--queue <name>", "add: queue to send to")
    .option("--priority <n>", "add: 0..9, 9 first")
    .option("--expires <duration>", "add: a tick's job not started within this long is not run")
    .option("--missed <policy>", "add: ticks missed while no beat ran: skip (default), once or all")
    .option("--replace", "add: replace a run-time schedule of the same name")
    .option("--json", "add, list, remove, enable, disable: print JSON")
    .option("-l, --log-level <level>", "debug, info, warn, error or silent (default info)")
    .option("--log-format <format>", "text or json (default text)")
    .option("--metrics-port <n>", "Serve Prometheus metrics (beat ticks) at http://127.0.0.1:<n>/metrics")
    .option("--metrics-host <host>", "Address the metrics server binds to (default 127.0.0.1)")
    .example("tq beat -A ./tasks.ts")
    .example('tq beat add nightly --task report --cron "0 3 * * *" --tz Europe/Berlin --args \'["daily"]\'')
    .example("tq beat list")
    .action((action, rest, flags) => beatCommand(action, rest, lastValues(flags)));
  cli
    .command("retry [...ids]", "Send failed jobs again (kept for failedTtl, 7 days by default)")
    .option("-A, --app <path>", "Module of the app (for its schema and database)")
    .option("--all-failed", "Every failed job (of --task, if given)")
    .option("--task <name>", "With --all-failed: only this task's")
    .option("--json", "Print the ids sent again as JSON")
    .example("tq retry --all-failed --task send_email")
    .action((ids, flags) => retryCommand(ids, lastValues(flags)));
  cli
    .command("migrate", "Create or update tq's tables (also done automatically on first use)")
    .option("-A, --app <path>", "Module of the app (for its schema)")
    .option("--roles", "Also create the schema's producer, worker and inspector roles (docs/security.md)")
    .option("--json", "Print the outcome as JSON")
    .action((flags) => migrateCommand(lastValues(flags)));
  cli
    .command("doctor", "Check a live installation: schema, workers, leases, queues, bloat, clock, notifications, connections")
    .option("-A, --app <path>", "Module of the app (for its schema, database and pool size)")
    .option("--json", "Print the findings as JSON")
    .example("tq doctor -A ./tasks.ts")
    .action((flags) => doctorCommand(lastValues(flags)));
  cli
    .command("keys [action]", "Message signing keys: `generate` a new pair, or print the `public` verify key of TQ_SIGNING_KEY")
    .option("--json", "Print the keys as JSON")
    .example("tq keys generate >> .env.tq")
    .action((action, flags) => keysCommand(action, lastValues(flags)));
  cli
    .command("report", "Print what a bug report needs: versions, platform, database, schema, configuration (no password), tasks")
    .option("-A, --app <path>", "Module of the app: its configuration and tasks are reported")
    .option("--json", "Print one JSON object")
    .example("tq report -A ./tasks.ts")
    .action((flags) => reportCommand(lastValues(flags), { version: VERSION, commit: COMMIT }));
  cli.help();
  cli.version(VERSION);
  // The real runtime: cac would name the Node.js version Bun and Deno emulate.
  cli.globalCommand.outputVersion = () => out(versionLine());
  return cli;
}

/**
 * `tq 0.2.0 (commit) protocol 1 on bun 1.4.5`: what runs, built from what,
 * the message protocol it sends, and on which runtime.
 */
export function versionLine(): string {
  return `tq ${VERSION} (${COMMIT}) protocol ${PROTOCOL_VERSION} on ${runtimeVersion()}`;
}

/** A flag given twice arrives as an array: the last one wins, as in most CLIs. */
function lastValues(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k, Array.isArray(v) && k !== "--" ? v[v.length - 1] : v]));
}

/** Runs the CLI on `argv` (without the runtime and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  provideSelfAsTq();
  // A pool's child process: the same binary re-run, serving one worker over IPC.
  if (argv[0] === POOL_CHILD_COMMAND) return await runPoolChild(argv.slice(1));
  const cli = buildCli();
  try {
    cli.parse(["tq", "tq", ...argv], { run: false });
    if (!cli.matchedCommand) {
      if (cli.options.help || cli.options.version) return EXIT.ok;
      if (cli.args.length) {
        const names = cli.commands.map((c) => c.name).filter(Boolean);
        throw new UsageError(`${unknownMessage("command", String(cli.args[0]), names)} Run \`tq --help\` for the commands.`);
      }
      cli.outputHelp();
      return EXIT.usage;
    }
    if (cli.options.help) return EXIT.ok;
    const code = await cli.runMatchedCommand();
    return typeof code === "number" ? code : EXIT.ok;
  } catch (error) {
    // Scripts that asked for JSON get JSON, even when the command line itself was wrong.
    return report(withOptionHint(error, cli), { json: argv.includes("--json") });
  }
}

/** cac's "Unknown option `--jsn`", with the nearest option of the command. */
function withOptionHint(error: unknown, cli: ReturnType<typeof buildCli>): unknown {
  const match = /^Unknown option `(--?[\w-]+)`$/.exec((error as Error)?.message ?? "");
  if ((error as Error)?.name !== "CACError" || !match) return error;
  // cac reports the option camel-cased (--logLevl): compare it as it was typed.
  const typed = match[1].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const command = cli.matchedCommand;
  const options = [...(command?.options ?? []), ...cli.globalCommand.options].flatMap((o) => o.rawName.match(/--?[\w-]+/g) ?? []);
  (error as Error).message = `${unknownMessage("option", typed, options)} Run \`tq ${command ? `${command.name} ` : ""}--help\` for the options.`;
  return error;
}

if (import.meta.main) {
  exit(await main(args()));
}
