/**
 * What a worker and its pool children (threads or processes) say to each
 * other, and the two small adapters that carry it. Every message is plain
 * JSON, so the same protocol runs over a Web Worker's postMessage and over a
 * child process's IPC channel.
 *
 * A child starts by sending `hello` (so nothing is sent before it listens);
 * the parent answers `init` with the app module; the child loads it and
 * answers `ready` or `failed`. Then, per job: `run` down, any number of
 * `progress` up (each acknowledged by `progressed`), maybe an `abort` down,
 * and one `result` up.
 */
import type { ErrorInfo } from "../../errors.ts";
import type { Message } from "../../message.ts";
import type { HandlerResult } from "../invoke.ts";

/** From the worker to a child. */
export type ToChild =
  | { type: "init"; appModule: string }
  | { type: "run"; jobId: string; attempt: number; message: Message; traceparent?: string }
  /** The job's AbortSignal fired; `reason` rebuilds the signal's reason in the child. */
  | { type: "abort"; jobId: string; reason: { name: string; message: string } }
  | { type: "progressed"; seq: number; error?: ErrorInfo };

/** From a child to the worker. */
export type FromChild =
  | { type: "hello" }
  | { type: "ready" }
  | { type: "failed"; error: ErrorInfo }
  | { type: "progress"; jobId: string; seq: number; meta: unknown }
  | { type: "result"; jobId: string; result: HandlerResult };

/** The worker's end of one child: a thread or a process. */
export interface Channel {
  /** What the logs call this child, e.g. "process 4242" or "thread 3". */
  readonly label: string;
  send(message: ToChild): void;
  onMessage(listener: (message: FromChild) => void): void;
  /** Called once when the child is gone, whoever ended it; `why` says how. */
  onExit(listener: (why: string) => void): void;
  /** Stops the child at once, even one spinning in `while (true) {}`. */
  kill(): void;
  /** Resolves when the child is gone. */
  readonly exited: Promise<void>;
}

/** Starts one child. */
export type ChannelFactory = () => Channel;

/** A child's end: the IPC channel of `process`, or a Web Worker's scope. */
export interface Endpoint {
  send(message: FromChild): void;
  onMessage(listener: (message: ToChild) => void): void;
  /** Called when the worker went away (its IPC channel closed). */
  onClose(listener: () => void): void;
}
