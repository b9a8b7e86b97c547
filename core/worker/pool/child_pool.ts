/**
 * The worker's side of the threads and process pools: `concurrency` children,
 * each loading the app module once and running one handler at a time, any of
 * which can be killed mid-handler and replaced. What a child is (a Web Worker
 * or a forked process) hides behind a Channel (protocol.ts), so this logic
 * exists once.
 */
import { ConfigError, type ErrorInfo, toErrorInfo } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import type { HandlerResult, InvokeHooks } from "../invoke.ts";
import type { HandlerPool, Invocation, PoolKind } from "./pool.ts";
import type { Channel, ChannelFactory, FromChild } from "./protocol.ts";

/** How long a child that failed to start is left before the next try; a broken module should not spin. */
const RESTART_DELAY_MS = 1_000;

export interface ChildPoolOptions {
  kind: PoolKind;
  concurrency: number;
  /** The module exporting the app, loaded by each child. */
  appModule: string;
  logger: Logger;
  /** Starts one child. */
  spawn: ChannelFactory;
}

interface Pending {
  invocation: Invocation;
  hooks: InvokeHooks;
  resolve: (result: HandlerResult) => void;
}

interface Slot {
  channel: Channel;
  job?: Pending & { detach: () => void };
}

function failure(type: "WorkerLost", message: string): HandlerResult {
  return { kind: "error", error: { type, code: "WORKER_LOST", message }, autoRetry: false };
}

/** A pool of killable children; see the module comment. */
export class ChildPool implements HandlerPool {
  readonly kind: PoolKind;
  readonly #options: ChildPoolOptions;
  /** Children that are ready for jobs (busy or idle). */
  readonly #slots: Slot[] = [];
  /** Every child alive, ready or still starting, so close() reaches them all. */
  readonly #channels = new Set<Channel>();
  readonly #queue: Pending[] = [];
  #closed = false;

  constructor(options: ChildPoolOptions) {
    this.kind = options.kind;
    this.#options = options;
  }

  async start(): Promise<void> {
    const started = await Promise.allSettled(Array.from({ length: this.#options.concurrency }, () => this.#startChild()));
    const failed = started.find((outcome) => outcome.status === "rejected");
    if (failed) {
      await this.close();
      throw failed.reason;
    }
  }

  run(invocation: Invocation, hooks: InvokeHooks): Promise<HandlerResult> {
    if (this.#closed) return Promise.resolve(failure("WorkerLost", `The ${this.kind} pool is closed.`));
    return new Promise((resolve) => {
      this.#queue.push({ invocation, hooks, resolve });
      this.#dispatch();
    });
  }

  kill(jobId: string): boolean {
    const queued = this.#queue.findIndex((pending) => pending.invocation.jobId === jobId);
    if (queued >= 0) {
      const [pending] = this.#queue.splice(queued, 1);
      pending.resolve(this.#killedResult(pending));
      return true;
    }
    const slot = this.#slots.find((candidate) => candidate.job?.invocation.jobId === jobId);
    if (!slot) return false;
    // Out of the ready list first, so the job settled below is not followed by another on this dying child.
    this.#slots.splice(this.#slots.indexOf(slot), 1);
    this.#finish(slot, this.#killedResult(slot.job!));
    // The exit that follows starts a replacement (#onExit).
    slot.channel.kill();
    return true;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) pending.resolve(failure("WorkerLost", `The ${this.kind} pool closed before the task started.`));
    for (const slot of this.#slots) {
      if (slot.job) this.#finish(slot, failure("WorkerLost", `The ${this.kind} pool closed while the task ran.`));
    }
    // Children hold nothing worth saving once their jobs are settled; SIGKILL cannot be ignored or delayed.
    const channels = [...this.#channels];
    for (const channel of channels) channel.kill();
    await Promise.all(channels.map((channel) => channel.exited));
  }

  /** Starts a child and waits until it has loaded the app; rejects with a ConfigError if it cannot. */
  #startChild(): Promise<Slot> {
    const { appModule, kind, spawn } = this.#options;
    const channel = spawn();
    this.#channels.add(channel);
    const slot: Slot = { channel };
    return new Promise((resolve, reject) => {
      let ready = false;
      channel.onMessage((message) => {
        if (message.type === "hello") channel.send({ type: "init", appModule });
        else if (message.type === "ready") {
          ready = true;
          this.#slots.push(slot);
          resolve(slot);
          this.#dispatch();
        } else if (message.type === "failed") {
          reject(new ConfigError(`The ${kind} pool could not start: ${message.error.message}`));
          channel.kill();
        } else this.#onMessage(slot, message);
      });
      channel.onExit((why) => {
        this.#channels.delete(channel);
        if (ready) this.#onExit(slot, why);
        else reject(new ConfigError(`The ${kind} pool's ${channel.label} ${why} before it loaded the app module "${appModule}".`));
      });
    });
  }

  /** Starts a child in place of one that died, retrying until the pool closes. */
  #replace(): void {
    if (this.#closed) return;
    this.#startChild().catch((error) => {
      if (this.#closed) return;
      this.#options.logger.log("error", `The ${this.kind} pool could not start a replacement child; trying again`, { error: String(error?.message ?? error) });
      setTimeout(() => this.#replace(), RESTART_DELAY_MS);
    });
  }

  #onExit(slot: Slot, why: string): void {
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
    if (slot.job) {
      const { jobId } = slot.job.invocation;
      this.#options.logger.log("warn", `The ${this.kind} pool's ${slot.channel.label} ${why} while it ran job ${jobId}; starting another`, { id: jobId });
      const error = { type: "WorkerLost", code: "WORKER_LOST", message: `The pool's ${slot.channel.label} running the task ${why} before the handler finished.` };
      this.#finish(slot, { kind: "lost", error });
    }
    this.#replace();
  }

  #onMessage(slot: Slot, message: FromChild): void {
    const job = slot.job;
    if (message.type === "result") {
      if (job?.invocation.jobId === message.jobId) this.#finish(slot, message.result);
    } else if (message.type === "progress") {
      // A job already settled (killed) has nobody to report to; the child learns nothing either, as it is dying.
      if (job?.invocation.jobId !== message.jobId) return;
      Promise.resolve().then(() => job.hooks.progress(message.meta)).then(
        () => slot.channel.send({ type: "progressed", seq: message.seq }),
        (error) => slot.channel.send({ type: "progressed", seq: message.seq, error: toErrorInfo(error) }),
      );
    }
  }

  /** Hands queued jobs to idle children. */
  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.job) continue;
      const pending = this.#queue.shift()!;
      const { invocation, hooks } = pending;
      const onAbort = () => slot.channel.send({ type: "abort", jobId: invocation.jobId, reason: reasonOf(hooks.signal) });
      hooks.signal.addEventListener("abort", onAbort, { once: true });
      slot.job = { ...pending, detach: () => hooks.signal.removeEventListener("abort", onAbort) };
      slot.channel.send({ type: "run", jobId: invocation.jobId, attempt: invocation.attempt, message: invocation.message, traceparent: invocation.traceparent });
      if (hooks.signal.aborted) onAbort();
    }
  }

  /** Settles the slot's job and frees the slot for the next. */
  #finish(slot: Slot, result: HandlerResult): void {
    const job = slot.job!;
    slot.job = undefined;
    job.detach();
    job.resolve(result);
    this.#dispatch();
  }

  /** What run() of a killed job resolves with: the reason the worker aborted with, if any. */
  #killedResult(pending: Pending): HandlerResult {
    const { reason } = pending.hooks.signal;
    const error: ErrorInfo = reason instanceof Error
      ? { type: reason.name, message: reason.message }
      : { type: "TaskTerminated", message: "The handler was stopped: the worker killed its thread or process." };
    return { kind: "error", error, autoRetry: false };
  }
}

/** The signal's reason as the child rebuilds it (child_serve.ts). */
function reasonOf(signal: AbortSignal): { name: string; message: string } {
  const reason = signal.reason;
  if (reason instanceof Error) return { name: reason.name, message: reason.message };
  return { name: "AbortError", message: String(reason ?? "The task was asked to stop.") };
}
