/** `tq call NAME [ARGS...]`: sends a task by name and optionally waits for its result. */
import { type App, TaskFailed } from "../../mod.ts";
import { parseDuration } from "../../core/duration.ts";
import { unknownTask } from "../../core/registry.ts";
import { EXIT, UsageError } from "../errors.ts";
import { parseJsonFlag } from "../json_flag.ts";
import { appFromOptions } from "../load_app.ts";
import { err, out } from "../output.ts";

export interface CallFlags {
  app?: string;
  args?: string;
  kwargs?: string;
  queue?: string;
  priority?: string | number;
  countdown?: string | number;
  eta?: string;
  expires?: string | number;
  wait?: boolean;
  timeout?: string | number;
}

/** A command-line argument as JSON when it parses as JSON, else as the string itself. */
function parseArg(raw: unknown): unknown {
  const text = String(raw);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Refuses a name no live worker (or the -A module) knows, suggesting close names. */
async function checkTaskName(app: App, name: string, fromModule: boolean): Promise<void> {
  if (fromModule) {
    app.registry.require(name, `in the app module`);
    return;
  }
  const workers = (await app.transport.workerList(app.config.leaseMs)).filter((w) => w.alive);
  if (workers.length === 0) {
    err(`tq: warning: no worker is running on schema "${app.config.schema}"; the task waits in its queue until one starts.`);
    return;
  }
  const known = new Set(workers.flatMap((w) => w.tasks));
  if (!known.has(name)) throw unknownTask(name, known, "on any running worker");
}

export async function callCommand(name: string, rawArgs: unknown[], flags: CallFlags): Promise<number> {
  const args = flags.args ? parseJsonFlag(flags.args, "args", "array") as unknown[] : rawArgs.map(parseArg);
  const kwargs = flags.kwargs ? parseJsonFlag(flags.kwargs, "kwargs", "object") as Record<string, unknown> : undefined;
  const priority = flags.priority === undefined ? undefined : Number(flags.priority);
  const timeout = flags.timeout === undefined ? undefined : parseDuration(String(flags.timeout));
  if (flags.timeout !== undefined && timeout === undefined) throw new UsageError(`--timeout must be a duration such as 10s, got "${flags.timeout}".`);
  const { app, fromModule } = await appFromOptions(flags);
  try {
    await app.migrate();
    await checkTaskName(app, name, fromModule);
    const countdown = flags.countdown === undefined ? undefined : String(flags.countdown);
    const expires = flags.expires === undefined ? undefined : String(flags.expires);
    const result = await app.sendTask(name, args, { queue: flags.queue, priority, countdown, eta: flags.eta, expires, kwargs });
    if (!flags.wait) {
      out(result.id);
      return EXIT.ok;
    }
    try {
      out(JSON.stringify(await result.get({ timeout })));
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof TaskFailed)) throw error;
      err(`tq: task ${name}[${result.id}] failed: ${error.type}: ${error.message}`);
      return EXIT.failure;
    }
  } finally {
    await app.close();
  }
}
