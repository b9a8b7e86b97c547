/**
 * Rows of tq's inspection and beat statements turned into the transport's
 * types: snake_case columns to the camelCase fields of core/transport.ts.
 */
import type { JobDetail, JobSummary, QueueSummary, ScheduleRecord, WorkerRecord } from "../../core/transport.ts";

// deno-lint-ignore no-explicit-any
type Row = Record<string, any>;

export function workerFromRow(r: Row): WorkerRecord {
  return {
    id: r.id,
    app: r.app,
    host: r.host,
    pid: r.pid,
    queues: r.queues,
    concurrency: r.concurrency,
    tasks: r.tasks,
    version: r.tq_version,
    protocol: r.protocol,
    limits: r.limits ?? null,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    alive: r.alive,
    pool: r.pool ?? undefined,
    prefetch: r.prefetch ?? undefined,
    running: r.running,
    succeeded: r.succeeded,
    failed: r.failed,
    retried: r.retried,
    events: r.events,
  };
}

export function queueSummaryFromRow(r: Row): QueueSummary {
  return {
    queue: r.queue,
    queued: r.queued,
    scheduled: r.scheduled,
    running: r.running,
    failed: r.failed,
    doneLastMinute: r.done_last_minute,
    doneLastHour: r.done_last_hour,
    runMsLastHour: r.run_ms_last_hour ?? null,
    waitMsLastHour: r.wait_ms_last_hour ?? null,
    oldestMs: r.oldest_ms ?? null,
    consumers: r.consumers,
    paused: r.paused,
    concurrencyLimit: r.concurrency_limit ?? null,
    limitUsed: r.concurrency_limit == null ? null : r.limit_used,
    groups: r.groups,
    groupConcurrency: r.group_concurrency ?? null,
  };
}

export function jobSummaryFromRow(r: Row): JobSummary {
  return {
    id: r.id,
    task: r.task,
    queue: r.queue,
    priority: r.priority,
    state: r.state,
    attempt: r.attempt,
    retries: r.retries ?? 0,
    worker: r.worker,
    runAt: r.run_at,
    startedAt: r.started_at,
    createdAt: r.created_at,
    leaseUntil: r.lease_until,
    args: r.args ?? [],
  };
}

export function jobDetailFromRow(r: Row): JobDetail {
  return {
    now: r.db_now,
    job: r.has_job
      ? {
        queue: r.job_queue,
        group: r.job_group,
        priority: r.priority,
        state: r.job_state,
        attempt: r.job_attempt,
        maxAttempts: r.max_attempts,
        uncharged: r.uncharged,
        interruptions: r.job_interruptions ?? [],
        worker: r.job_worker,
        runAt: r.run_at,
        startedAt: r.job_started_at,
        createdAt: r.job_created_at,
        leaseUntil: r.lease_until,
        expiresAt: r.expires_at,
        revoke: r.revoke,
        errors: r.job_errors ?? [],
        meta: r.job_meta,
        message: r.job_message,
      }
      : null,
    result: r.has_result
      ? {
        task: r.result_task,
        state: r.result_state,
        value: r.value,
        error: r.error,
        meta: r.result_meta,
        attempts: r.result_attempts,
        worker: r.result_worker,
        finishedAt: r.finished_at,
        expiresAt: r.result_expires_at,
        errors: r.result_errors ?? [],
        interruptions: r.result_interruptions ?? [],
        message: r.result_message,
        queue: r.result_queue,
        parentId: r.result_parent_id,
        rootId: r.result_root_id,
        sentAt: r.sent_at,
        startedAt: r.result_started_at,
      }
      : null,
    chord: r.callback_chord_state
      ? { role: "callback", id: r.inspected_id, state: r.callback_chord_state, done: r.callback_chord_done, total: r.callback_chord_total }
      : r.member_chord_id
      ? { role: "member", id: r.member_chord_id, state: r.member_chord_state, done: r.member_chord_done, total: r.member_chord_total }
      : null,
  };
}

export function scheduleFromRow(r: Row): ScheduleRecord {
  return {
    name: r.name,
    task: r.task,
    kind: r.kind,
    spec: r.spec,
    tz: r.tz,
    args: r.args,
    kwargs: r.kwargs,
    options: r.options,
    missed: r.missed,
    enabled: r.enabled,
    source: r.source,
    lastFireAt: r.last_fire_at,
    lastSentAt: r.last_sent_at,
    lastJobId: r.last_job_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
