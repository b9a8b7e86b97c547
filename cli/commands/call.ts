/** `tq call NAME [ARGS...]`: sends a task by name and optionally waits for its result. */
import { type App, type ResultRecord, ResultTimeout, TaskFailed } from "../../mod.ts";
import { parseDuration } from "../../core/duration.ts";
import { unknownTask } from "../../core/registry.ts";
import { unwrap } from "../../core/result.ts";
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
  json?: boolean;
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
  if (flags.timeout !== undefined && !flags.wait) throw new UsageError("--timeout applies to --wait: tq call TASK ARGS... --wait --timeout 10s");
  const { app, fromModule } = await appFromOptions(flags);
  try {
    await app.migrate();
    await checkTaskName(app, name, fromModule);
    const countdown = flags.countdown === undefined ? undefined : String(flags.countdown);
    const expires = flags.expires === undefined ? undefined : String(flags.expires);
    const result = await app.sendTask(name, args, { queue: flags.queue, priority, countdown, eta: flags.eta, expires, kwargs });
    if (!flags.wait) {
      out(flags.json ? JSON.stringify({ id: result.id, state: "PENDING" }) : result.id);
      return EXIT.ok;
    }
    return await waitAndPrint(app, name, result.id, timeout, flags.json === true);
  } finally {
    await app.close();
  }
}

/** Waits for task `id` and prints its outcome: the value, the failure, or that time ran out. */
async function waitAndPrint(app: App, name: string, id: string, timeoutMs: number | undefined, json: boolean): Promise<number> {
  let record: ResultRecord;
  try {
    record = await app.results.waitFor(id, timeoutMs);
  } catch (error) {
    if (!(error instanceof ResultTimeout)) throw error;
    const { state } = await app.results.fetch(id);
    err(`tq: task ${name}[${id}] did not finish within ${timeoutMs} ms. It is ${state} and carries on; \`tq inspect job ${id}\` follows it.`);
    if (json) out(JSON.stringify({ id, state, timeout: true }));
    return EXIT.timeout;
  }
  try {
    const value = unwrap(record);
    out(json ? JSON.stringify({ id, state: record.state, value }) : JSON.stringify(value));
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof TaskFailed)) throw error;
    err(`tq: task ${name}[${id}] ${record.state === "REVOKED" ? "was revoked" : "failed"}: ${error.type}: ${error.message}`);
    if (json) out(JSON.stringify({ id, state: record.state, error: { type: error.type, message: error.message, code: error.code } }));
    return EXIT.failure;
  }
}
