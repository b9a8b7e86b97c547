/**
 * Translates driver and server errors into tq's errors at the transport
 * boundary, keeping the original as `cause`. Messages name host and port,
 * never the password, and a cause that quotes it (or carries a statement's
 * parameters) is replaced by a copy without it (safeCause).
 */
import { scrub, urlSecrets, urlTarget } from "../../core/database_url.ts";
import { DatabaseError, TqError } from "../../core/errors.ts";

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNRESET",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  // Ended by tq's own deadlines (link.ts, deadline.ts).
  "CONNECTION_STALLED",
  "EPIPE",
  // A write on a socket that was closed under the driver (Bun and Deno name these the Node.js way).
  "ERR_SOCKET_CLOSED",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_WRITE_AFTER_END",
]);

/**
 * Server errors that end a session, not a statement: the server is shutting
 * down or starting (57P01-57P03), it ended an idle session (57P05), or it
 * has no connection slot left for now, as when every client reconnects at
 * once after a restart (53300).
 */
const SESSION_CODES = new Set(["57P01", "57P02", "57P03", "57P05", "53300"]);

/** A socket-level failure (errno style, e.g. EPIPE) or one of the driver's connection codes. */
function isConnectionCode(code: string): boolean {
  return CONNECTION_CODES.has(code) || /^E[A-Z]{3,}$/.test(code) || /^08/.test(code);
}

/** Where the URL points, as "host:port/database", without credentials. */
export function describeTarget(url: string): string {
  return urlTarget(url);
}

/** Causes looked into for a quoted password: a driver error wrapping another, at most this deep. */
const MAX_CAUSE_DEPTH = 5;

/** True when `value` (a text, or an error's own texts and causes) quotes one of `secrets`. */
function quotes(value: unknown, secrets: string[], depth = 0): boolean {
  if (typeof value === "string") return secrets.some((secret) => value.includes(secret));
  if (typeof value !== "object" || value === null || depth > MAX_CAUSE_DEPTH) return false;
  // Own properties, hidden ones too: Bun's URL error keeps the URL in `input`.
  for (const key of Object.getOwnPropertyNames(value)) {
    let field: unknown;
    try {
      field = (value as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    if (key === "cause" ? quotes(field, secrets, depth + 1) : typeof field === "string" && quotes(field, secrets)) return true;
  }
  return false;
}

/**
 * What postgres.js attaches (hidden) to the errors of a statement: its
 * parameters, which for an insert are whole messages, real arguments
 * included. Bun's console.log prints hidden properties of a cause.
 */
const STATEMENT_FIELDS = ["parameters", "args", "types"];

/**
 * The cause to keep for `error`: itself when it quotes none of `secrets`
 * (the database password in any form) and carries no statement parameters;
 * otherwise a plain copy (name, message, stack and its plain fields such as
 * code and detail) with the secrets replaced, and its own cause made safe
 * the same way. What tq throws keeps its cause for debugging, never the
 * password, nor arguments a task hides.
 */
export function safeCause(error: unknown, secrets: string[], depth = 0): unknown {
  if (typeof error !== "object" || error === null) return typeof error === "string" ? scrub(error, secrets) : error;
  const carriesStatement = STATEMENT_FIELDS.some((key) => Object.hasOwn(error, key));
  if (!carriesStatement && (secrets.length === 0 || !quotes(error, secrets, depth))) return error;
  const e = error as Record<string, unknown>;
  const copy = new Error(scrub(String(e.message ?? ""), secrets)) as Error & Record<string, unknown>;
  copy.name = typeof e.name === "string" ? e.name : "Error";
  copy.stack = typeof e.stack === "string" ? scrub(e.stack, secrets) : undefined;
  for (const key of Object.keys(e)) {
    if (STATEMENT_FIELDS.includes(key) || ["name", "message", "stack", "cause"].includes(key)) continue;
    const value = e[key];
    if (typeof value === "string") copy[key] = scrub(value, secrets);
    else if (typeof value === "number" || typeof value === "boolean") copy[key] = value;
  }
  if (e.cause !== undefined && depth < MAX_CAUSE_DEPTH) copy.cause = safeCause(e.cause, secrets, depth + 1);
  return copy;
}

/** A tq error for `error`, with what to do about it. */
export function translateError(thrown: unknown, url: string, schema: string): Error {
  if (thrown instanceof TqError) return thrown;
  const secrets = urlSecrets(url);
  // The cause kept, and every text taken from it, never quote the password.
  const error = safeCause(thrown, secrets);
  // deno-lint-ignore no-explicit-any
  const e = error as any;
  const code: string = typeof e?.code === "string" ? e.code : "";
  const target = describeTarget(url);
  if (code === "CONNECT_TIMEOUT" || code === "CONNECTION_STALLED") {
    const what = code === "CONNECT_TIMEOUT" ? `Cannot reach PostgreSQL at ${target}: no answer in time` : `PostgreSQL at ${target} stopped answering`;
    return new DatabaseError(
      `${what} (${code}). Check that the server is up and reachable from here, and that TQ_DATABASE_URL (or the "databaseUrl" option) points at it.`,
      { cause: error, retryable: true },
    );
  }
  if (isConnectionCode(code)) {
    return new DatabaseError(
      `Cannot reach PostgreSQL at ${target} (${code}). Check that the server is running and that TQ_DATABASE_URL (or the "databaseUrl" option) points at it.`,
      { cause: error, retryable: true },
    );
  }
  if (code === "28P01" || code === "28000") {
    return new DatabaseError(`PostgreSQL at ${target} refused the login: ${e.message}. Check the user and password in TQ_DATABASE_URL.`, { cause: error });
  }
  if (code === "3D000") {
    return new DatabaseError(`PostgreSQL at ${target}: ${e.message}. Create the database or point TQ_DATABASE_URL at one that exists.`, { cause: error });
  }
  if (code === "42P01" || code === "3F000") {
    return new DatabaseError(`tq's tables are missing in schema "${schema}" (${e.message}). Run \`tq migrate\` or leave the "migrate" option on.`, { cause: error });
  }
  if (SESSION_CODES.has(code)) {
    const why = code === "53300" ? "has no connection slot free" : "is shutting down or restarting, or ended the session";
    return new DatabaseError(`PostgreSQL at ${target} ${why} (${code}).`, { cause: error, retryable: true });
  }
  const message = e?.message ?? String(error);
  return new DatabaseError(`Database error${code ? ` ${code}` : ""}: ${message}`, { cause: error });
}
