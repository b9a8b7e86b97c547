/**
 * Runs one claimed job in a slot: checks its message, makes sure the
 * database knows it started (a fenced start mark, unless the claim made
 * one), applies its time limits, calls its handler in the pool, and hands
 * the outcome to the writer. Also keeps what decides how claims mark jobs:
 * how fast jobs run, and whether a suspect job (lost with its last worker)
 * is about to run.
 */
import { type RunEnd, RunSpan } from "../tracing.ts";
import type { LaunchContext } from "../canvas/launch.ts";
import type { LamportClock } from "../clock.ts";
import { LeaseLost, SoftTimeLimitExceeded, TimeLimitExceeded, toErrorInfo } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Message } from "../message.ts";
import type { Registry } from "../registry.ts";
import type { Task } from "../task.ts";
import type { ClaimedJob, Transport } from "../transport.ts";
import { decide, type Outcome, prepareJob } from "./executor.ts";
import type { OutcomeWriter } from "./outcomes.ts";
import type { HandlerPool } from "./pool/pool.ts";
import { RunningJob, type RunningJobs } from "./running.ts";
import type { StartMarks } from "./start_marks.ts";
import type { TaskSettingsView } from "./task_settings.ts";
import type { WorkerEvents } from "./worker_events.ts";

// deno-lint-ignore no-explicit-any
type AnyTask = Task<any, any>;

/**
 * Jobs that take less than this on average are "fast": a start mark's round
 * trip (about 1 ms here) would idle their slots, so claims mark them started.
 */
const FAST_JOB_MS = 20;

export interface RunnerHost {
  workerId: string;
  registry: Registry<AnyTask>;
  clock: LamportClock;
  /** What starting a workflow's next step needs (the app's defaults and tasks). */
  launchContext(parent: { id: string; rootId: string }): LaunchContext;
  transport(): Transport;
  pool: HandlerPool;
  running: RunningJobs;
  outcomes: OutcomeWriter;
  settings: TaskSettingsView;
  marks(): StartMarks;
  events?: WorkerEvents;
  logger: Logger;
  /** Claimed jobs that wait for a slot (buffered or held by a rate limit). */
  waitingJobs(): ClaimedJob[];
  /** Settles once the claim in flight, if any, has landed. */
  claimLanded(): Promise<void>;
  /** A slot was freed. */
  onSlotFree(): void;
}

export class JobRunner {
  /** Moving average of handler run times (ms); undefined until a job has run. */
  #averageRunMs?: number;
  /** Suspect jobs starting or running: claims then mark only the jobs that start at once. */
  #suspects = 0;

  constructor(private readonly host: RunnerHost) {}

  /**
   * Whether a claim may mark all its jobs started. Normally a claim marks
   * only the jobs that start at once (free slots), and the rest are marked,
   * fenced, just before they start, so a crash charges only jobs that ran.
   * When jobs have proven fast, waiting for a mark would idle the slots
   * (measured: a 6x slower drain of no-op jobs), so the whole claim is
   * marked: buffered jobs start within milliseconds anyway. Never while a
   * suspect job runs, and not before a job has run, so a job that kills its
   * worker does not take its batch-mates down with it.
   */
  startsAll(): boolean {
    return this.#suspects === 0 && this.#averageRunMs !== undefined && this.#averageRunMs < FAST_JOB_MS;
  }

  /** Takes a slot for `job` and runs it (or ends it at once when it must not run). */
  run(job: ClaimedJob): void {
    const { host } = this;
    const prepared = prepareJob(job, { registry: host.registry, clock: host.clock });
    if (prepared.kind === "done") {
      host.outcomes.record(job, prepared.outcome, 0);
      return;
    }
    const entry = new RunningJob(job, performance.now(), (settled, outcome) => this.#settled(settled, outcome));
    host.running.add(entry);
    if (job.suspect) this.#suspects++;
    if (job.started && !job.suspect) {
      this.#invoke(entry, prepared.message, prepared.task);
      return;
    }
    this.#whenStartable(job).then((held) => {
      if (entry.settled) return;
      if (held) return this.#invoke(entry, prepared.message, prepared.task);
      host.logger.log("warn", `Task ${prepared.message.task}[${job.id}] lost its lease while it waited in this worker's buffer; dropped`, { id: job.id });
      entry.drop(new LeaseLost("The job was taken over before it started."));
    });
  }

  /**
   * Resolves true once `job` may start: marked started (unless the claim did)
   * and, for a job lost with its last worker, after the jobs waiting next to
   * it lost their claim-time marks, so that if it kills this worker too they
   * go back uncharged. False: the job was taken from this worker meanwhile.
   */
  async #whenStartable(job: ClaimedJob): Promise<boolean> {
    const { host } = this;
    if (job.suspect) {
      // A claim sent before this job counted as a suspect may bring marked jobs: let it land first.
      await host.claimLanded();
      const marked = host.waitingJobs().filter((waiting) => waiting.started);
      for (const waiting of marked) waiting.started = false;
      try {
        await host.transport().jobUnstartMany(marked.map(({ id, attempt }) => ({ id, attempt })), host.workerId);
      } catch (error) {
        host.logger.log("warn", "Clearing the start marks of waiting jobs failed; a crash now would charge them", { error: String((error as Error)?.message ?? error) });
      }
    }
    return job.started || await host.marks().mark(job);
  }

  #invoke(entry: RunningJob, message: Message, task: AnyTask): void {
    const { host } = this;
    const { job, controller } = entry;
    const ends = (result: Parameters<typeof decide>[3]) => decide(job, message, task, result, host.clock, host.launchContext);
    entry.handlerStartedAt = performance.now();
    host.events?.started(job, message.task);
    const [softMs, hardMs] = message.timeLimit ?? host.settings.timeLimit(task.name) ?? task.timeLimitMs;
    if (softMs !== null) {
      entry.after(softMs, () => controller.abort(new SoftTimeLimitExceeded(`Task ${message.task} passed its soft time limit of ${softMs} ms.`)));
    }
    if (hardMs !== null) {
      entry.after(hardMs, () => {
        const error = new TimeLimitExceeded(`Task ${message.task} passed its hard time limit of ${hardMs} ms and was stopped.`);
        controller.abort(error);
        if (!host.pool.kill(job.id)) {
          host.logger.log("warn", `Task ${message.task}[${job.id}] passed its hard time limit: its signal was aborted and its slot freed, but the async pool cannot stop a handler, which may still be running (use --pool process to stop it)`, { id: job.id });
        }
        entry.settle(ends({ kind: "error", error: toErrorInfo(error), autoRetry: false }));
      });
    }
    const progress = (meta: unknown) => host.transport().jobProgress({ id: job.id, attempt: job.attempt }, meta);
    const hooks = { get signal() { return controller.signal; }, progress };
    const span = entry.span = RunSpan.start(message, job.attempt, host.workerId);
    const run = () =>
      host.pool.run({ jobId: job.id, attempt: job.attempt, message, traceparent: span?.traceparent }, hooks).then((result) => {
        if (entry.revoked && result.kind !== "success") entry.settle(revokedOutcome(job, message.task, "The task was revoked while it ran."));
        else entry.settle(ends(result));
      }, (error) => entry.settle(ends({ kind: "error", error: toErrorInfo(error), autoRetry: false })));
    // Within the run's span, the handler's sends and the next steps decided after it continue its trace.
    if (span) span.within(run);
    else run();
  }

  #settled(entry: RunningJob, outcome: Outcome | null): void {
    const { host } = this;
    host.running.remove(entry);
    if (entry.job.suspect) this.#suspects--;
    entry.span?.end(runEnd(outcome));
    if (outcome) {
      const ms = performance.now() - (entry.handlerStartedAt ?? entry.startedAt);
      this.#averageRunMs = this.#averageRunMs === undefined ? ms : this.#averageRunMs * 0.9 + ms * 0.1;
      host.outcomes.record(entry.job, outcome, ms);
    }
    host.onSlotFree();
  }
}

/** What a run's span records of its outcome; LOST when the worker no longer held the job (null). */
function runEnd(outcome: Outcome | null): RunEnd {
  if (!outcome) return { outcome: "LOST" };
  if (outcome.kind === "retry") return { outcome: "RETRY", error: outcome.error };
  const { completion } = outcome;
  return { outcome: completion.state, error: completion.error ?? undefined };
}

/** The outcome of a job revoked before or while it ran. */
export function revokedOutcome(job: ClaimedJob, task: string, message: string): Outcome {
  return { kind: "complete", task, completion: { id: job.id, attempt: job.attempt, state: "REVOKED", error: { type: "TaskRevoked", code: "TASK_REVOKED", message } } };
}
