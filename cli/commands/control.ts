/**
 * `tq control`: steer running workers. revoke, rate-limit, time-limit, pause
 * and resume are stored in the database (workers are told, and a worker that
 * was away reads them on its next heartbeat); ping, shutdown, add-consumer
 * and cancel-consumer are broadcast to the live workers and their replies
 * shown.
 */
import type { BroadcastResult } from "../../mod.ts";
import { parseDuration } from "../../core/duration.ts";
import { EXIT, UsageError } from "../errors.ts";
import { appFromOptions } from "../load_app.ts";
import { err, out } from "../output.ts";
import { unknownMessage } from "../suggest.ts";

export interface ControlFlags {
  app?: string;
  terminate?: boolean;
  cluster?: boolean;
  json?: boolean;
  worker?: string;
  task?: string;
  timeout?: string | number;
}

const ACTION_NAMES = ["revoke", "rate-limit", "time-limit", "pause", "resume", "paused", "ping", "shutdown", "add-consumer", "cancel-consumer"];
const ACTIONS =
  "revoke ID... [--terminate] | rate-limit TASK RATE [--cluster] | time-limit TASK SOFT HARD | pause QUEUE | pause --task TASK | resume QUEUE | resume --task TASK | paused | ping | shutdown [--worker ID] | add-consumer QUEUE | cancel-consumer QUEUE";

const REVOKE_WORDS = {
  revoked: "revoked: it will not run",
  signalled: "running: its worker was told",
  finished: "already finished: nothing to revoke",
  unknown: "unknown: no such task",
} as const;

export async function controlCommand(action: string, rest: string[], flags: ControlFlags): Promise<number> {
  if (action === "revoke") return await revoke(rest, flags);
  if (action === "rate-limit") return await rateLimit(rest, flags);
  if (action === "time-limit") return await timeLimit(rest, flags);
  if (action === "pause" || action === "resume") return await pauseOrResume(action, rest, flags);
  if (action === "paused") return await listPaused(flags);
  if (["ping", "shutdown", "add-consumer", "cancel-consumer"].includes(action)) return await broadcast(action, rest, flags);
  throw new UsageError(`${unknownMessage("control command", String(action), ACTION_NAMES)} Use one of: ${ACTIONS}.`);
}

async function timeLimit(rest: string[], flags: ControlFlags): Promise<number> {
  const [task, soft, hard] = rest.map(String);
  if (!task || soft === undefined) {
    throw new UsageError('tq control time-limit needs a task and limits: tq control time-limit TASK SOFT HARD (durations such as 20s 30s, "none" for no limit, or "off" alone to use the task\'s option again)');
  }
  const limit = (value: string | undefined) => (value === undefined || value === "none" ? null : value);
  const { app } = await appFromOptions(flags);
  try {
    if (soft === "off" && hard === undefined) {
      await app.control.timeLimit(task, null);
      out(flags.json ? JSON.stringify({ task, timeLimit: null }) : `Time limits of ${task} set at run time removed; its options apply again.`);
    } else {
      const timeLimit = { soft: limit(soft), hard: limit(hard) };
      await app.control.timeLimit(task, timeLimit);
      out(flags.json ? JSON.stringify({ task, timeLimit }) : `Time limits of ${task} set to soft ${soft}, hard ${hard ?? "none"} in every worker.`);
    }
    return EXIT.ok;
  } finally {
    await app.close();
  }
}

async function broadcast(action: string, rest: string[], flags: ControlFlags): Promise<number> {
  const queue = rest[0] === undefined ? undefined : String(rest[0]);
  if ((action === "add-consumer" || action === "cancel-consumer") && !queue) throw new UsageError(`tq control ${action} needs a queue: tq control ${action} QUEUE [--worker ID]`);
  const timeoutMs = flags.timeout === undefined ? 2_000 : parseDuration(String(flags.timeout));
  if (timeoutMs === undefined) throw new UsageError(`--timeout must be a duration such as 2s, got "${flags.timeout}".`);
  const options = { worker: flags.worker, timeoutMs };
  const { app } = await appFromOptions(flags);
  try {
    const result: BroadcastResult = action === "ping"
      ? await app.control.ping(options)
      : action === "shutdown"
      ? await app.control.shutdown(options)
      : action === "add-consumer"
      ? await app.control.addConsumer(queue!, options)
      : await app.control.cancelConsumer(queue!, options);
    if (flags.json) out(JSON.stringify(result));
    else for (const { worker, reply } of result.replies) out(`${worker}: ${reply.ok ?? `error: ${reply.error}`}`);
    if (result.replies.length === 0 && result.missing.length === 0) {
      err(flags.worker ? `tq: no live worker ${flags.worker} (tq inspect workers lists them).` : "tq: no live worker to ask.");
      return EXIT.failure;
    }
    for (const worker of result.missing) err(`tq: ${worker} did not answer within ${timeoutMs} ms.`);
    return result.missing.length || result.replies.some((r) => r.reply.error) ? EXIT.failure : EXIT.ok;
  } finally {
    await app.close();
  }
}

async function revoke(ids: string[], flags: ControlFlags): Promise<number> {
  if (ids.length === 0) throw new UsageError("tq control revoke needs at least one task id: tq control revoke ID [--terminate]");
  const { app } = await appFromOptions(flags);
  try {
    const outcomes = await app.control.revoke(ids.map(String), { terminate: flags.terminate === true });
    if (flags.json) out(JSON.stringify(outcomes));
    else for (const o of outcomes) out(`${o.id}: ${REVOKE_WORDS[o.outcome]}${o.worker ? ` (${o.worker})` : ""}`);
    // The others were revoked all the same; the exit code tells a script some id had no trace.
    return outcomes.some((o) => o.outcome === "unknown") ? EXIT.notFound : EXIT.ok;
  } finally {
    await app.close();
  }
}

async function rateLimit(rest: string[], flags: ControlFlags): Promise<number> {
  const [task, rate] = rest.map(String);
  if (!task || rate === undefined) throw new UsageError('tq control rate-limit needs a task and a rate: tq control rate-limit TASK "10/s" (or "off")');
  const { app } = await appFromOptions(flags);
  try {
    const value = rate === "off" || rate === "none" ? null : rate;
    await app.control.rateLimit(task, value, { cluster: flags.cluster === true });
    const scope = flags.cluster ? "cluster-wide" : "per worker";
    if (flags.json) out(JSON.stringify({ task, rateLimit: value, scope: flags.cluster ? "cluster" : "worker" }));
    else out(value === null ? `Rate limit (${scope}) of ${task} removed; its option applies again.` : `Rate limit (${scope}) of ${task} set to ${value}.`);
    return EXIT.ok;
  } finally {
    await app.close();
  }
}

async function pauseOrResume(action: "pause" | "resume", rest: string[], flags: ControlFlags): Promise<number> {
  const queue = rest[0] === undefined ? undefined : String(rest[0]);
  const task = flags.task === undefined ? undefined : String(flags.task);
  if ((queue === undefined) === (task === undefined) || queue === "" || task === "") {
    throw new UsageError(`tq control ${action} needs a queue or --task, not both: tq control ${action} QUEUE, or tq control ${action} --task TASK`);
  }
  const target = queue !== undefined ? { queue } : { task: task! };
  const what = queue !== undefined ? `Queue ${queue}` : `Task ${task}`;
  const { app } = await appFromOptions(flags);
  try {
    const wasPaused = action === "pause" ? await app.control.pause(target) : await app.control.resume(target);
    if (flags.json) out(JSON.stringify({ ...target, paused: action === "pause", wasPaused }));
    else if (action === "pause") out(`${what} ${wasPaused ? "was already paused" : "paused"}: no worker starts its jobs until tq control resume; running ones finish.`);
    else out(wasPaused ? `${what} resumed: workers start its jobs again.` : `${what} was not paused; nothing changed.`);
    return EXIT.ok;
  } finally {
    await app.close();
  }
}

async function listPaused(flags: ControlFlags): Promise<number> {
  const { app } = await appFromOptions(flags);
  try {
    const paused = await app.control.paused();
    if (flags.json) out(JSON.stringify(paused));
    else if (paused.length === 0) out("Nothing is paused.");
    else for (const p of paused) out(`${p.kind} ${p.name}: paused since ${p.since.toISOString()}`);
    return EXIT.ok;
  } finally {
    await app.close();
  }
}
