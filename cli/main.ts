#!/usr/bin/env -S bun
/** The `tq` command: argument parsing and output only; the logic lives in core/. */
import cac from "cac";
import pkg from "../package.json" with { type: "json" };
import { args, exit } from "../core/runtime.ts";
import { callCommand } from "./commands/call.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { workerCommand } from "./commands/worker.ts";
import { EXIT, report, UsageError } from "./errors.ts";

export const VERSION: string = pkg.version;

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
    .example("tq worker -A ./tasks.ts --concurrency 20 --queues default,slow")
    .action((flags) => workerCommand(lastValues(flags)));
  cli
    .command("call <task> [...args]", "Send a task by name; arguments are JSON where they parse as JSON")
    .option("-A, --app <path>", "Module of the app (optional: checks the task name against it)")
    .option("--args <json>", "Arguments as a JSON array (for negative numbers and the like)")
    .option("--kwargs <json>", "Keyword arguments as a JSON object")
    .option("--queue <name>", "Queue to send to")
    .option("--priority <n>", "0..9, 9 first")
    .option("--countdown <duration>", "Run no sooner than this from now (e.g. 10s)")
    .option("--wait", "Wait for the result and print it as JSON")
    .option("--timeout <duration>", "With --wait: give up after this long")
    .example("tq call add 2 3 --wait")
    .action((task, rest, flags) => callCommand(task, rest, lastValues(flags)));
  cli
    .command("migrate", "Create or update tq's tables (also done automatically on first use)")
    .option("-A, --app <path>", "Module of the app (for its schema)")
    .action((flags) => migrateCommand(lastValues(flags)));
  cli.help();
  cli.version(VERSION);
  return cli;
}

/** A flag given twice arrives as an array: the last one wins, as in most CLIs. */
function lastValues(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k, Array.isArray(v) && k !== "--" ? v[v.length - 1] : v]));
}

/** Runs the CLI on `argv` (without the runtime and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const cli = buildCli();
  try {
    cli.parse(["tq", "tq", ...argv], { run: false });
    if (!cli.matchedCommand) {
      if (cli.options.help || cli.options.version) return EXIT.ok;
      if (cli.args.length) throw new UsageError(`Unknown command "${cli.args[0]}". Run \`tq --help\` for the commands.`);
      cli.outputHelp();
      return EXIT.usage;
    }
    if (cli.options.help) return EXIT.ok;
    const code = await cli.runMatchedCommand();
    return typeof code === "number" ? code : EXIT.ok;
  } catch (error) {
    return report(error);
  }
}

if (import.meta.main) {
  exit(await main(args()));
}
