/**
 * The message: what a producer stores and a worker runs. Modelled on Celery's
 * protocol v2; JSON only, never code. One JSON Schema per protocol version,
 * checked on send and again on receive.
 */
import { ajv, describeErrors } from "./_ajv.ts";
import { InvalidMessage } from "./errors.ts";

/** The message protocol version this tq writes, and the newest it runs. */
export const PROTOCOL_VERSION = 1;

/** Where a message was sent from. */
export interface Origin {
  /** The sending machine's host name. */
  host: string;
  /** The sending process's id. */
  pid: number;
  /** The W3C trace context of the span active when it was sent (docs/observability.md); older workers ignore it. */
  traceparent?: string;
  /** The W3C tracestate that goes with `traceparent`. */
  tracestate?: string;
}

/** A task message (protocol version 1). Times are ISO-8601 strings. */
export interface Message {
  /** The protocol version. */
  v: 1;
  /** Job id, also the result id. */
  id: string;
  /** The task's registered name. */
  task: string;
  /** Positional arguments (JSON). */
  args: unknown[];
  /** Keyword arguments (JSON); the handler gets them as one more argument when not empty. */
  kwargs: Record<string, unknown>;
  /** The queue it is sent to. */
  queue: string;
  /** 0..9, 9 runs first. */
  priority: number;
  /** Not claimable before this time. */
  eta?: string;
  /** Not run after this time. */
  expires?: string;
  /** Retries so far. */
  retries: number;
  /**
   * Set only when the sender chose it for this call: otherwise the task's
   * declaration on the worker decides (a sender that knows only the name
   * must not change how the task is retried).
   */
  maxRetries?: number;
  /** [soft, hard] in milliseconds; null for none. */
  timeLimit?: [number | null, number | null];
  /** Id of the first task of the workflow it belongs to (its own id if none). */
  rootId: string;
  /** Id of the task that sent it, if any. */
  parentId?: string;
  /** Reserved for the group it belongs to (Celery's `group`); tq does not set it. */
  groupId?: string;
  /** The steps of its chain still to come, as canvas data: the next one gets its result. */
  chain?: unknown[];
  /** Canvases (as data) sent with its result when it succeeds (`link`). */
  callbacks?: unknown[];
  /** Tasks sent if this one fails for good. */
  errbacks?: { task: string; args: unknown[]; queue?: string; immutable?: boolean }[];
  /** The chord whose header it is in, as `{ id }` (the callback's job id). */
  chord?: unknown;
  /** Where it was sent from. */
  origin: Origin;
  /** Lamport clock of the sender. */
  clock: number;
  /** When it was sent, by the sender's clock. */
  sentAt: string;
  /** The unique key it holds while queued or running (TaskOptions.unique, SendOptions.uniqueKey). */
  uniqueKey?: string;
  /** Reserved for a signature of the message; tq neither sets nor checks it. */
  signature?: string;
}

const uuid = { type: "string", pattern: "^[0-9a-fA-F-]{36}$" };
const time = { type: "string", minLength: 1, maxLength: 64 };

/** The JSON Schema of protocol version 1. */
export const messageSchema = {
  type: "object",
  required: ["v", "id", "task", "args", "kwargs", "queue", "priority", "retries", "rootId", "origin", "clock", "sentAt"],
  additionalProperties: false,
  properties: {
    v: { const: 1 },
    id: uuid,
    task: { type: "string", minLength: 1, maxLength: 200 },
    args: { type: "array" },
    kwargs: { type: "object" },
    queue: { type: "string", pattern: "^[A-Za-z0-9_.:-]{1,100}$" },
    priority: { type: "integer", minimum: 0, maximum: 9 },
    eta: time,
    expires: time,
    retries: { type: "integer", minimum: 0 },
    maxRetries: { type: "integer", minimum: 0 },
    timeLimit: {
      type: "array",
      minItems: 2,
      maxItems: 2,
      items: { type: ["number", "null"], minimum: 0 },
    },
    rootId: uuid,
    parentId: uuid,
    groupId: uuid,
    chain: { type: "array" },
    callbacks: { type: "array" },
    errbacks: {
      type: "array",
      items: {
        type: "object",
        required: ["task", "args"],
        additionalProperties: false,
        properties: {
          task: { type: "string", minLength: 1, maxLength: 200 },
          args: { type: "array" },
          queue: { type: "string", pattern: "^[A-Za-z0-9_.:-]{1,100}$" },
          immutable: { type: "boolean" },
        },
      },
    },
    chord: {},
    origin: {
      type: "object",
      required: ["host", "pid"],
      // Open to more fields (protocol 1 never closed it): a worker that does not know one ignores it.
      properties: { host: { type: "string" }, pid: { type: "integer" }, traceparent: { type: "string", maxLength: 55 }, tracestate: { type: "string", maxLength: 512 } },
    },
    clock: { type: "integer", minimum: 0 },
    sentAt: time,
    uniqueKey: { type: "string", minLength: 1, maxLength: 500 },
    signature: { type: "string" },
  },
} as const;

const validate = ajv.compile(messageSchema);

/** Why `value` is not a valid message, or undefined when it is one. */
export function messageProblem(value: unknown): string | undefined {
  return validate(value) ? undefined : describeErrors(validate.errors);
}

/** Throws InvalidMessage unless `value` is a valid message. */
export function assertMessage(value: unknown): asserts value is Message {
  const problem = messageProblem(value);
  if (problem) throw new InvalidMessage(`Invalid task message: ${problem}.`);
}

/**
 * Serialises a message and checks its size; throws InvalidMessage naming the
 * task and both sizes when it is over the limit.
 */
export function encodeMessage(message: Message, maxBytes: number): string {
  let json: string;
  try {
    json = JSON.stringify(message);
  } catch (error) {
    throw new InvalidMessage(`Arguments of task "${message.task}" cannot be encoded as JSON: ${(error as Error).message}.`);
  }
  // Length in UTF-16 units is a lower bound of the UTF-8 size; only measure bytes when it could matter.
  if (json.length * 3 > maxBytes) {
    const bytes = new TextEncoder().encode(json).length;
    if (bytes > maxBytes) {
      throw new InvalidMessage(
        `Message for task "${message.task}" is ${bytes} bytes, over the limit of ${maxBytes}. Pass a reference (a row id, a URL) instead of the data, or raise "maxMessageBytes".`,
      );
    }
  }
  return json;
}
