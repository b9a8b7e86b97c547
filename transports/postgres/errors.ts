/**
 * Translates driver and server errors into tq's errors at the transport
 * boundary, keeping the original as `cause`. Messages name host and port,
 * never the password.
 */
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
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}${parsed.pathname || ""}`;
  } catch {
    return "(unparseable database URL)";
  }
}

/** A tq error for `error`, with what to do about it. */
export function translateError(error: unknown, url: string, schema: string): Error {
  if (error instanceof TqError) return error;
  // deno-lint-ignore no-explicit-any
  const e = error as any;
  const code: string = e?.code ?? "";
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
