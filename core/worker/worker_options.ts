/** The options of `new Worker()` (core/worker/worker.ts). */
import type { Logger } from "../logger.ts";
import type { TelemetryListener } from "../telemetry.ts";
import type { PoolKind } from "./pool/pool.ts";

/** Options of `new Worker()`; what they leave out comes from the app's configuration. */
export interface WorkerOptions {
  /** Queues to consume; the app's default queue when omitted. */
  queues?: string[];
  /** Handlers run at once; the app's `concurrency` when omitted. */
  concurrency?: number;
  /** Jobs claimed beyond free slots; the app's `prefetch` when omitted. */
  prefetch?: number;
  /**
   * Where handlers run: "async" (default, promises in this event loop),
   * "threads" (Web Workers; on Deno the process pool, which can stop a busy
   * handler where Deno's threads cannot) or "process" (child processes).
   */
  pool?: PoolKind;
  /** The module that exports the app: what a threads or process pool loads. */
  appModule?: string;
  /** Logger for task lines (info) and problems; the app's logger when omitted. */
  logger?: Logger;
  /** Send task and worker events (`tq worker -E`); the app's `events` option when omitted. */
  events?: boolean;
  /**
   * Called when `tq control shutdown` asks this worker to stop; the CLI
   * stops as on SIGTERM. Without it the worker stops itself.
   */
  onShutdownRequest?: () => void;
  /** Receives what this worker does as typed events (claims, starts, outcomes, lease rescues): core/telemetry.ts. */
  telemetry?: TelemetryListener;
}
