/**
 * `tq inspect why ID`: why a task is not running. Each reason is read from
 * the tables (its run time, expiry, the live workers' queues and tasks, the
 * settings) or, for a job a worker holds without running it, asked of that
 * worker.
 */
import type { Inspect } from "./inspect.ts";
import type { JobDetail, TaskSettings, Transport, WorkerRecord } from "./transport.ts";

/**
 * A reason's code, stable to branch on: "unknown" (never sent here, or its
 * result expired), "finished", "revoked", "running", "prefetched" (a worker
 * holds it until a slot is free), "rate-limited", "scheduled" (a countdown,
 * eta or retry delay), "expired", "no-consumer" (no live worker consumes its
 * queue), "not-registered" (none of those has the task), "newer-protocol",
 * "paused" (its queue or task is paused), "concurrency-limit" (its task or
 * queue has as many jobs running as its limit), "group-full" (its group has as
 * many jobs of its task or queue running as the cap per group), "debounced" (later sends under
 * its debounce key move it), "waiting" (its turn in the queue)
 * or "chord" (a chord's callback waiting for its members).
 */
export type WhyCode =
  | "unknown"
  | "finished"
  | "revoked"
  | "running"
  | "prefetched"
  | "rate-limited"
  | "scheduled"
  | "expired"
  | "no-consumer"
  | "not-registered"
  | "newer-protocol"
  | "paused"
  | "concurrency-limit"
  | "group-full"
  | "debounced"
  | "waiting"
  | "chord";

/** One reason a task is not running. */
export interface WhyReason {
  /** What kind of reason it is. */
  code: WhyCode;
  /** The reason in words, with what to do about it when something can be done. */
  message: string;
}

/** What `app.why(id)` found: each reason that holds the task back (or that it is not waiting). */
export interface WhyReport {
  /** The task id asked about. */
  id: string;
  /** The task's name; null when nothing about the id is stored. */
  task: string | null;
  /** Every reason that holds; at least one. */
  reasons: WhyReason[];
}

const iso = (d: Date) => d.toISOString();
const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 100) / 10)} s`;

/** Explains what task `id` is waiting for (or that it is not waiting). */
export async function explain(transport: Transport, inspect: Inspect, id: string, staleMs: number): Promise<WhyReport> {
  const detail = await transport.inspectJob(id);
  const message = (detail.job?.message ?? null) as { task?: string; v?: unknown } | null;
  const task = detail.result?.task ?? message?.task ?? null;
  const reasons: WhyReason[] = [];
  const add = (code: WhyCode, text: string) => reasons.push({ code, message: text });

  if (!detail.job) {
    if (!detail.result && detail.chord?.role === "callback") {
      const { done, total, state } = detail.chord;
      add("chord", state === "open"
        ? `It is the callback of a chord: ${done} of ${total} members done. It is sent once the last member finishes (and not at all if one fails).`
        : `It is the callback of a chord that is ${state}: ${done} of ${total} members done${state === "ready" ? "; it is being sent" : ""}.`);
    } else if (!detail.result) {
      add("unknown", `No task ${id} is known here: it was never sent to this schema, or its result expired (resultTtl) and was deleted.`);
    } else if (detail.result.state === "REVOKED") {
      add("revoked", `It was revoked: ${detail.result.error?.message ?? "revoked"} (at ${iso(detail.result.finishedAt)}). It will not run.`);
    } else {
      add("finished", `It is not waiting: it finished as ${detail.result.state} at ${iso(detail.result.finishedAt)}${detail.result.worker ? ` on ${detail.result.worker}` : ""}.`);
    }
    return { id, task, reasons };
  }

  const job = detail.job;
  const workers = await transport.workerList(staleMs);
  if (job.state === "running") {
    await explainHeld(inspect, id, detail, task, workers, add);
    return { id, task, reasons };
  }

  const now = detail.now.getTime();
  const debounce = job.runAt.getTime() > now ? (await transport.sendGatesOf(id)).find((g) => g.kind === "debounce") : undefined;
  if (debounce) {
    add("debounced", `It is debounced under key "${debounce.key}": it runs at ${iso(job.runAt)} (in ${seconds(job.runAt.getTime() - now)}), unless another send under that key moves it later.`);
  } else if (job.runAt.getTime() > now) {
    add("scheduled", `It is scheduled for later: it may run from ${iso(job.runAt)} (in ${seconds(job.runAt.getTime() - now)}), set by a countdown, an eta or a retry delay.`);
  }
  if (job.expiresAt && job.expiresAt.getTime() <= now) {
    add("expired", `It expired at ${iso(job.expiresAt)}: the worker that claims it will end it as REVOKED without running it.`);
  }
  const live = workers.filter((w) => w.alive);
  const consumers = live.filter((w) => w.queues.includes(job.queue));
  if (consumers.length === 0) {
    const others = live.length ? `live workers consume ${[...new Set(live.flatMap((w) => w.queues))].join(", ")}` : "no worker is alive";
    add("no-consumer", `No live worker consumes its queue "${job.queue}" (${others}). Start one with -Q ${job.queue}, or \`tq control add-consumer ${job.queue}\`.`);
  } else if (task && !consumers.some((w) => w.tasks.includes(task))) {
    add("not-registered", `No live worker consuming "${job.queue}" has the task "${task}" registered (${consumers.map((w) => w.id).join(", ")}): deploy the code that defines it.`);
  } else if (typeof message?.v === "number" && !consumers.some((w) => (w.protocol ?? 1) >= (message.v as number))) {
    add("newer-protocol", `It is a message of protocol ${message.v}, newer than any live worker consuming "${job.queue}" understands (${consumers.map((w) => `${w.id}: ${w.protocol ?? 1}`).join(", ")}): it waits for a worker of the tq that sent it (docs/upgrading.md).`);
  }
  for (const p of await transport.pauseList()) {
    if (p.kind === "queue" ? p.name !== job.queue : p.name !== task) continue;
    const resume = p.kind === "queue" ? `tq control resume ${p.name}` : `tq control resume --task ${p.name}`;
    add("paused", `Its ${p.kind} "${p.name}" is paused since ${iso(p.since)}: no worker starts its jobs until \`${resume}\`.`);
  }
  if (task) await explainConcurrencyLimit(transport, job.queue, job.group, task, consumers, add);
  if (task) await explainRateLimit(transport, task, add);
  if (reasons.length === 0) {
    const ahead = await transport.inspectAhead(job.queue, id);
    const among = job.group === null ? `queue "${job.queue}"` : `its group "${job.group}" (the groups of queue "${job.queue}" take turns)`;
    add("waiting", ahead > 0
      ? `It is waiting its turn: ${ahead} ready job(s) of ${among} come before it (higher priority, or sent earlier).`
      : `Nothing holds it back: it is next in ${among} and a worker should claim it within the poll interval.`);
  }
  return { id, task, reasons };
}

/**
 * The key of a group's cap under a task or a queue, as the claim builds it
 * (group_limit_key, migration 15): lengths in characters keep it unambiguous.
 */
function groupLimitKey(scope: "task" | "queue", name: string, group: string): string {
  return `group:${scope}:${[...name].length}:${name}:${group}`;
}

/** A task, queue or group whose cluster-wide concurrency limit (as the consuming workers declare it) is full. */
async function explainConcurrencyLimit(
  transport: Transport,
  queue: string,
  group: string | null,
  task: string,
  consumers: WorkerRecord[],
  add: (code: WhyCode, text: string) => void,
): Promise<void> {
  const caps = new Map<string, { cap: number; code: WhyCode; what: string }>();
  const keep = (key: string, cap: number | undefined, code: WhyCode, what: string) => {
    if (cap) caps.set(key, { cap: Math.max(caps.get(key)?.cap ?? 0, cap), code, what });
  };
  for (const worker of consumers) {
    keep(`task:${task}`, worker.limits?.task[task], "concurrency-limit", `Its task "${task}" is at its concurrency limit`);
    keep(`queue:${queue}`, worker.limits?.queue[queue], "concurrency-limit", `Its queue "${queue}" is at its concurrency limit`);
    if (group === null) continue;
    keep(groupLimitKey("task", task, group), worker.limits?.taskPerGroup?.[task], "group-full", `Its group "${group}" is full for task "${task}" (groupConcurrency)`);
    keep(groupLimitKey("queue", queue, group), worker.limits?.queuePerGroup?.[queue], "group-full", `Its group "${group}" is full in queue "${queue}" (queueGroupConcurrency)`);
  }
  if (caps.size === 0) return;
  const used = await transport.limitUse([...caps.keys()]);
  for (const [key, { cap, code, what }] of caps) {
    const taken = used[key] ?? 0;
    if (taken < cap) continue;
    add(code, `${what}: ${taken} of ${cap} places are taken by jobs claimed or running; it starts when one of them ends.`);
  }
}

/** A job a worker has claimed: running, prefetched, or waiting in its rate gate. */
async function explainHeld(
  inspect: Inspect,
  id: string,
  detail: JobDetail,
  task: string | null,
  workers: WorkerRecord[],
  add: (code: WhyCode, text: string) => void,
): Promise<void> {
  const job = detail.job!;
  if (job.revoke) add("revoked", `It was revoked (${job.revoke}) while its worker held it; it ends as REVOKED when the worker sees it.`);
  const holder = workers.find((w) => w.id === job.worker);
  if (holder?.alive) {
    const { replies } = await inspect.reserved({ worker: holder.id, timeoutMs: 1_500 });
    const held = (replies[0]?.reply.jobs as { id: string; task: string }[] | undefined)?.find((j) => j.id === id);
    if (held && held.task.startsWith("(waiting for its rate limit")) {
      add("rate-limited", `It is rate-limited: worker ${holder.id} holds it until the rate limit of "${task}" lets it start.`);
      return;
    }
    if (held) {
      add("prefetched", `It is prefetched by worker ${holder.id} and starts when one of its ${holder.concurrency} slots is free.`);
      return;
    }
  } else {
    add("running", `Its worker ${job.worker ?? "(unknown)"} stopped sending heartbeats; the job runs again when its lease expires at ${job.leaseUntil ? iso(job.leaseUntil) : "(unknown)"}.`);
    return;
  }
  add("running", `It is running on ${job.worker} since ${job.startedAt ? iso(job.startedAt) : "(unknown)"} (attempt ${job.attempt}).`);
}

async function explainRateLimit(transport: Transport, task: string, add: (code: WhyCode, text: string) => void): Promise<void> {
  const settings: TaskSettings | undefined = (await transport.taskSettingList()).find((s) => s.task === task);
  if (!settings?.rateLimit && !settings?.clusterRateLimit) return;
  const limits = [settings.rateLimit && `${settings.rateLimit} per worker`, settings.clusterRateLimit && `${settings.clusterRateLimit} across the cluster`]
    .filter(Boolean).join(" and ");
  add("rate-limited", `Its task "${task}" is rate-limited to ${limits} (set with tq control rate-limit), which paces how fast its jobs start.`);
}
