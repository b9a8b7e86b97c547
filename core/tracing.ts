/**
 * OpenTelemetry traces (docs/observability.md): the W3C trace context of the
 * span active when a message is sent travels in its `origin` (`traceparent`,
 * `tracestate`), and the worker records a span per run whose parent it is,
 * active while the handler runs, so what the handler sends (a chain's next
 * step, a callback, any task) continues the trace. `@opentelemetry/api` is an
 * optional dependency: loaded on first use, and where it is missing, or no
 * tracer provider and context manager are registered, tq records nothing and
 * adds nothing to messages.
 */
import type { Message } from "./message.ts";

/** The parts of `@opentelemetry/api` tq uses (typed here so tq type-checks where it is not installed). */
interface SpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  traceState?: { serialize(): string };
}
interface Span {
  spanContext(): SpanContext;
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  addEvent(name: string, attributes?: Record<string, string>): unknown;
  end(): void;
}
interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): { startSpan(name: string, options: Record<string, unknown>, context: unknown): Span };
    getActiveSpan(): Span | undefined;
    setSpan(context: unknown, span: Span): unknown;
    wrapSpanContext(spanContext: SpanContext): Span;
  };
  context: { active(): unknown; with<T>(context: unknown, fn: () => T): T };
  createTraceState?(raw: string): { serialize(): string };
  ROOT_CONTEXT: unknown;
}

/** SpanKind.CONSUMER and SpanStatusCode.ERROR of the OpenTelemetry API (stable numbers). */
const CONSUMER = 4;
const ERROR = 2;

/** undefined: not loaded yet; null: `@opentelemetry/api` is not installed. */
let api: OtelApi | null | undefined;
let loading: Promise<void> | undefined;

/** Loads `@opentelemetry/api` once, if installed; later calls return at once. */
export function loadTracing(): Promise<void> {
  return loading ??= import("@opentelemetry/api").then(
    (module) => void (api = module as unknown as OtelApi),
    () => void (api = null),
  );
}

/** The trace context fields of a message's origin. */
export interface TraceOrigin {
  traceparent?: string;
  tracestate?: string;
}

/** The active span's context as message fields; empty when there is none (or tracing is not loaded). */
export function currentTraceOrigin(): TraceOrigin {
  const span = api?.trace.getActiveSpan();
  return span ? traceOrigin(span.spanContext()) : {};
}

function traceOrigin(context: SpanContext): TraceOrigin {
  if (!validIds(context.traceId, context.spanId)) return {};
  const origin: TraceOrigin = { traceparent: `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, "0")}` };
  const state = context.traceState?.serialize();
  if (state) origin.tracestate = state;
  return origin;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function validIds(traceId: string, spanId: string): boolean {
  return /^[0-9a-f]{32}$/.test(traceId) && /^[0-9a-f]{16}$/.test(spanId) && !/^0+$/.test(traceId) && !/^0+$/.test(spanId);
}

/** The remote parent a traceparent names (W3C Trace Context), or undefined when it is missing or malformed. */
export function parseTraceparent(traceparent: unknown, tracestate?: unknown): SpanContext | undefined {
  if (typeof traceparent !== "string") return undefined;
  const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (!match || match[1] === "ff" || !validIds(match[2], match[3])) return undefined;
  const context: SpanContext = { traceId: match[2], spanId: match[3], traceFlags: parseInt(match[4], 16) & 0xff, isRemote: true };
  if (typeof tracestate === "string" && tracestate && api?.createTraceState) context.traceState = api.createTraceState(tracestate);
  return context;
}

/** The context a message's origin names as parent, or the root context. */
function parentContext(origin: TraceOrigin | undefined): unknown {
  const parent = parseTraceparent(origin?.traceparent, origin?.tracestate);
  return parent ? api!.trace.setSpan(api!.context.active(), api!.trace.wrapSpanContext(parent)) : api!.context.active();
}

/** How a run ended, for its span. */
export interface RunEnd {
  /** SUCCESS, FAILURE, RETRY, REVOKED, or LOST (its worker no longer held it). */
  outcome: string;
  error?: { type: string; message: string };
}

/** A job's run as a span: the handler runs within it, and it ends with the run's outcome. */
export class RunSpan {
  readonly #span: Span;
  readonly #context: unknown;

  private constructor(span: Span, context: unknown) {
    this.#span = span;
    this.#context = context;
  }

  /** A span for one run of `message`, child of the span its sender had active; undefined when tracing is not loaded. */
  static start(message: Message, attempt: number, worker: string): RunSpan | undefined {
    if (!api) return undefined;
    const origin = message.origin as Message["origin"] & TraceOrigin;
    const parent = parentContext(origin);
    const span = api.trace.getTracer("tq").startSpan(`run ${message.task}`, {
      kind: CONSUMER,
      attributes: {
        "messaging.system": "tq",
        "messaging.operation.type": "process",
        "messaging.destination.name": message.queue,
        "messaging.message.id": message.id,
        "tq.task.name": message.task,
        "tq.task.attempt": attempt,
        "tq.worker.id": worker,
      },
    }, parent);
    return new RunSpan(span, api.trace.setSpan(parent, span));
  }

  /** Runs `fn` with this span active, so what it sends carries it as parent. */
  within<T>(fn: () => T): T {
    return api ? api.context.with(this.#context, fn) : fn();
  }

  /** This span as a traceparent, for a handler that runs in another process. */
  get traceparent(): string | undefined {
    return traceOrigin(this.#span.spanContext()).traceparent;
  }

  end(end: RunEnd): void {
    this.#span.setAttribute("tq.task.outcome", end.outcome);
    if (end.error) {
      this.#span.addEvent("exception", { "exception.type": end.error.type, "exception.message": end.error.message });
      if (end.outcome !== "REVOKED") this.#span.setStatus({ code: ERROR, message: `${end.error.type}: ${end.error.message}` });
    }
    this.#span.end();
  }
}

/** Runs `fn` as a child of the run span a worker passed to this pool process or thread (`traceparent`). */
export function withRemoteParent<T>(traceparent: string | undefined, fn: () => T): T {
  if (!api || !traceparent) return fn();
  return api.context.with(parentContext({ traceparent }), fn);
}
