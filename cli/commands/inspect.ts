/**
 * `tq inspect WHAT`: queues, workers, active, scheduled, reserved, failed,
 * registered, stats, ping, schedules, job ID (or result ID), why ID. Tables
 * for people, `--json` for scripts.
 */
import { type App, type JobSummary, NotFound, type WorkerRecord } from "../../mod.ts";
import type { BroadcastResult, JobReport } from "../../core/inspect.ts";
import { parseDuration } from "../../core/duration.ts";
import { EXIT, UsageError } from "../errors.ts";
import { readOnlyApp } from "../load_app.ts";
import { unknownMessage } from "../suggest.ts";
import { err, out } from "../output.ts";
import { type Cell, humanMs, isoOrDash, paint, printTable, stateColour } from "../table.ts";
import { listSchedules } from "./beat.ts";

export interface InspectFlags {
  app?: string;
  json?: boolean;
  task?: string;
  limit?: string | number;
  worker?: string;
  timeout?: string | number;
}

const WHAT = ["queues", "workers", "active", "scheduled", "reserved", "failed", "registered", "stats", "ping", "schedules", "job", "result", "why"];

export async function inspectCommand(what: string | undefined, rest: string[], flags: InspectFlags): Promise<number> {
  if (!what) throw new UsageError(`tq inspect needs what to show: use one of ${WHAT.join(", ")}.`);
  if (!WHAT.includes(what)) throw new UsageError(`${unknownMessage("inspect command", String(what), WHAT)} Use one of ${WHAT.join(", ")}.`);
  const id = rest[0] === undefined ? undefined : String(rest[0]);
  if ((what === "job" || what === "result" || what === "why") && !id) throw new UsageError(`tq inspect ${what} needs a task id: tq inspect ${what} ID`);
  if (id !== undefined && !/^[0-9a-fA-F-]{36}$/.test(id)) throw new UsageError(`"${id}" is not a task id: a task id is a UUID such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427.`);
  const limit = flags.limit === undefined ? 100 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got "${flags.limit}".`);
  const timeoutMs = flags.timeout === undefined ? 2_000 : parseDuration(String(flags.timeout));
  if (timeoutMs === undefined) throw new UsageError(`--timeout must be a duration such as 2s, got "${flags.timeout}".`);

  // Read-only: against a database without tq it says so (NotInstalled) and creates nothing.
  const app = await readOnlyApp(flags);
  try {
    const task = flags.task === undefined ? undefined : String(flags.task);
    const broadcast = { worker: flags.worker, timeoutMs };
    switch (what) {
      case "queues":
        return show(flags, await app.inspect.queues(), printQueues);
      case "workers":
        return show(flags, await app.inspect.workers(), printWorkers);
      case "active":
      case "scheduled":
        return show(flags, await app.inspect[what]({ limit, task }), (jobs) => printJobs(what, jobs));
      case "failed":
        return show(flags, await app.inspect.failed({ limit, task }), (rows) =>
          printTable(
            ["ID", "TASK", "QUEUE", "ATTEMPTS", "FAILED AT", "ERROR"],
            rows.map((f) => [f.id, f.task ?? "-", f.queue ?? "-", String(f.attempts), isoOrDash(f.finishedAt), { text: `${f.errorType}: ${f.errorMessage}`, colour: "red" }]),
          ));
      case "registered":
        return show(flags, await app.inspect.registered(), (rows) => printTable(["WORKER", "TASKS"], rows.map((r) => [r.worker, r.tasks.join(", ")])));
      case "reserved":
      case "stats":
      case "ping":
        return showReplies(flags, what, await app.inspect[what](broadcast));
      case "schedules":
        return await listSchedules(app, flags);
      case "job":
      case "result":
        return showJob(flags, await app.inspect.job(id!));
      default:
        return await showWhy(app, flags, id!);
    }
  } finally {
    await app.close();
  }
}

function show<T>(flags: InspectFlags, value: T, print: (value: T) => void): number {
  if (flags.json) out(JSON.stringify(value));
  else if (Array.isArray(value) && value.length === 0) out("(none)");
  else print(value);
  return EXIT.ok;
}

function printQueues(rows: Awaited<ReturnType<App["inspect"]["queues"]>>): void {
  printTable(
    ["QUEUE", "STATE", "QUEUED", "SCHEDULED", "RUNNING", "LIMIT", "GROUPS", "FAILED", "DONE/1M", "DONE/1H", "OLDEST WAITING", "CONSUMERS"],
    rows.map((q): Cell[] => [
      q.queue,
      q.paused ? { text: "paused", colour: "yellow" } : "active",
      String(q.queued),
      String(q.scheduled),
      String(q.running),
      q.concurrencyLimit === null ? "-" : `${q.limitUsed}/${q.concurrencyLimit}`,
      q.groupConcurrency === null ? String(q.groups) : `${q.groups} (${q.groupConcurrency} each)`,
      q.failed ? { text: String(q.failed), colour: "red" } : "0",
      String(q.doneLastMinute),
      String(q.doneLastHour),
      humanMs(q.oldestMs),
      q.consumers || q.queued === 0 ? String(q.consumers) : { text: "0", colour: "red" },
    ]),
  );
}

function printWorkers(rows: WorkerRecord[]): void {
  const now = Date.now();
  printTable(
    ["WORKER", "STATE", "VERSION", "HOST", "PID", "QUEUES", "CONCURRENCY", "RUNNING", "SUCCEEDED", "FAILED", "LAST HEARTBEAT"],
    rows.map((w): Cell[] => [
      w.id,
      w.alive ? { text: "alive", colour: "green" } : { text: "dead", colour: "red" },
      // A worker of a tq before 0.2.0 recorded no version.
      w.version ?? "<0.2.0",
      w.host,
      String(w.pid),
      w.queues.join(","),
      String(w.concurrency),
      String(w.running ?? "-"),
      String(w.succeeded ?? "-"),
      String(w.failed ?? "-"),
      `${humanMs(now - w.heartbeatAt.getTime())} ago`,
    ]),
  );
}

function printJobs(kind: "active" | "scheduled", jobs: JobSummary[]): void {
  const now = Date.now();
  printTable(
    ["ID", "TASK", "QUEUE", kind === "active" ? "WORKER" : "RUNS AT", kind === "active" ? "STARTED" : "IN", "ATTEMPT", "ARGS"],
    jobs.map((j) => [
      j.id,
      j.task,
      j.queue,
      kind === "active" ? j.worker ?? "-" : isoOrDash(j.runAt),
      kind === "active" ? `${humanMs(now - (j.startedAt?.getTime() ?? now))} ago` : humanMs(j.runAt.getTime() - now),
      String(j.attempt),
      truncate(JSON.stringify(j.args), 60),
    ]),
  );
}

function showReplies(flags: InspectFlags, what: string, result: BroadcastResult): number {
  if (flags.json) {
    out(JSON.stringify(result));
  } else {
    if (result.replies.length === 0 && result.missing.length === 0) out("(no live worker)");
    for (const { worker, reply } of result.replies) {
      if (what === "ping") out(`${worker}: ${reply.ok ?? reply.error}`);
      else if (what === "reserved") {
        const jobs = (reply.jobs ?? []) as { id: string; task: string }[];
        out(`${worker}: ${jobs.length} reserved`);
        for (const job of jobs) out(`  ${job.id}  ${job.task}`);
      } else {
        out(`${worker}:`);
        for (const [key, value] of Object.entries(reply)) out(`  ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
      }
    }
    for (const worker of result.missing) err(`tq: ${worker} did not answer in time`);
  }
  return result.missing.length ? EXIT.failure : EXIT.ok;
}

function showJob(flags: InspectFlags, report: JobReport): number {
  if (flags.json) {
    out(JSON.stringify(report));
    return EXIT.ok;
  }
  const { job, result } = report;
  const line = (key: string, value: unknown) => value !== undefined && value !== null && out(`${(key + ":").padEnd(12)}${typeof value === "string" ? value : JSON.stringify(value)}`);
  line("id", report.id);
  line("task", report.task);
  out(`${"state:".padEnd(12)}${paint(report.state, stateColour(report.state))}`);
  line("queue", job?.queue ?? result?.queue);
  line("worker", job?.worker ?? result?.worker);
  line("sent", isoOrDash(job?.createdAt ?? result?.sentAt));
  if (job) {
    line("runs at", isoOrDash(job.runAt));
    if (job.state === "running") line("started", job.startedAt ? isoOrDash(job.startedAt) : "not yet (reserved in the worker's buffer)");
    if (job.leaseUntil) line("lease until", isoOrDash(job.leaseUntil));
    if (job.expiresAt) line("expires", isoOrDash(job.expiresAt));
    const charged = job.attempt - job.uncharged;
    line("attempt", `${charged} of ${job.maxAttempts ?? "the task's declared retries + 1"}${job.uncharged ? ` (${job.uncharged} more claim(s) not charged)` : ""}`);
  }
  if (result) {
    if (result.startedAt) line("started", isoOrDash(result.startedAt));
    line("finished", isoOrDash(result.finishedAt));
    if (result.startedAt) line("runtime", humanMs(result.finishedAt.getTime() - result.startedAt.getTime()));
    line("attempts", result.attempts);
    if (result.state === "SUCCESS") line("result", result.value);
    if (result.error) line("error", `${result.error.type}: ${result.error.message}`);
    line("parent", result.parentId);
    if (result.rootId && result.rootId !== report.id) line("root", result.rootId);
  }
  const message = (job?.message ?? result?.message) as { args?: unknown; kwargs?: unknown; parentId?: string } | null;
  if (message) {
    line("args", message.args);
    if (message.kwargs && Object.keys(message.kwargs).length) line("kwargs", message.kwargs);
    if (!result) line("parent", message.parentId);
  }
  const meta = job?.meta ?? result?.meta;
  if (meta !== null && meta !== undefined) line("progress", meta);
  showWorkflow(report, message as { chain?: unknown[]; callbacks?: unknown[] } | null, line);
  const errors = job?.errors.length ? job.errors : result?.errors ?? [];
  if (errors.length) {
    out("attempts that failed:");
    for (const e of errors) out(`  #${e.attempt} at ${new Date(e.at).toISOString()}: ${e.type}: ${e.message}`);
  }
  const interruptions = job?.interruptions.length ? job.interruptions : result?.interruptions ?? [];
  if (interruptions.length) {
    out("interrupted (handed back, not failed):");
    for (const i of interruptions) out(`  #${i.attempt} at ${new Date(i.at).toISOString()}: ${i.reason} of ${i.worker}`);
  }
  if (report.children.length) {
    out("children:");
    for (const c of report.children) out(`  ${c.id}  ${c.task}  ${paint(c.state, stateColour(c.state))}`);
  }
  if (report.events.length) {
    out("history (events):");
    for (const e of report.events) out(`  ${e.at}  clock ${e.clock}  ${e.type}${e.worker ? `  ${e.worker}` : ""}`);
  }
  return EXIT.ok;
}

async function showWhy(app: App, flags: InspectFlags, id: string): Promise<number> {
  const report = await app.why(id);
  const unknown = report.reasons.find((r) => r.code === "unknown");
  // As `tq inspect job`: an id with no trace is an error (exit 5), not a reason.
  if (unknown) throw new NotFound(unknown.message);
  if (flags.json) out(JSON.stringify(report));
  else for (const reason of report.reasons) out(`${reason.code}: ${reason.message}`);
  return EXIT.ok;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A job's place in a workflow: its chord, and the steps its chain runs after it. */
function showWorkflow(report: JobReport, message: { chain?: unknown[]; callbacks?: unknown[] } | null, line: (name: string, value: unknown) => void): void {
  const chord = report.chord;
  if (chord?.role === "callback") line("chord", `callback: ${chord.done} of ${chord.total} members done (${chord.state})`);
  if (chord?.role === "member") line("chord", `member of ${chord.id}: ${chord.done} of ${chord.total} members done (${chord.state})`);
  if (message?.chain?.length) line("then", message.chain.map(describeStep).join(" -> "));
  if (message?.callbacks?.length) line("on success", message.callbacks.map(describeStep).join(", "));
}

/** One step of a workflow, short: task[id], group(n), chord(n -> callback). */
function describeStep(step: unknown): string {
  const s = step as { kind?: string; task?: string; options?: { id?: string }; steps?: unknown[]; members?: unknown[]; header?: unknown[]; body?: unknown };
  switch (s?.kind) {
    case "task":
      return `${s.task}[${s.options?.id ?? "?"}]`;
    case "chain":
      return (s.steps ?? []).map(describeStep).join(" -> ");
    case "group":
      return `group(${(s.members ?? []).map(describeStep).join(", ")})`;
    case "chord":
      return `chord(${(s.header ?? []).length} members -> ${describeStep(s.body)})`;
    default:
      return "?";
  }
}
