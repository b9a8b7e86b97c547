/**
 * The client of the dashboard's JSON API. URLs are relative ("api/...") so
 * the dashboard also works behind a path prefix. Every action is a POST with
 * the `X-TQ-Action` header (which a cross-site form cannot send) and the
 * token when one was entered.
 */
import { token, tokenPrompt } from "./token.ts";

/** An answer other than 2xx, with the server's sentence when it sent one. */
export class ApiError extends Error {
  /** The HTTP status (0 when the server could not be reached). */
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page, say: reported by status below.
  }
  if (!response.ok) {
    const said = body && typeof body === "object" && typeof (body as { error?: unknown }).error === "string"
      ? (body as { error: string }).error
      : `The server answered ${response.status} ${response.statusText}.`;
    throw new ApiError(said, response.status);
  }
  return body as T;
}

async function send<T>(path: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, cache: "no-store" });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError("The dashboard server cannot be reached.", 0);
  }
  return parse<T>(response);
}

/** GETs `api/<path>` and returns its JSON. */
export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return send<T>(`api/${path}`, { signal, headers: authHeaders() });
}

/**
 * POSTs an action to `api/<path>`. A 401 shows the token field (the token is
 * missing or wrong); the error is thrown on for the caller to show.
 */
export async function postAction<T>(path: string): Promise<T> {
  try {
    return await send<T>(`api/${path}`, { method: "POST", headers: { "X-TQ-Action": "1", ...authHeaders() } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      tokenPrompt.set(token.get() ? "The token was refused: enter the right one." : "This action needs the dashboard token.");
    }
    throw error;
  }
}

function authHeaders(): Record<string, string> {
  const value = token.get();
  return value ? { Authorization: `Bearer ${value}` } : {};
}

/** The message to show for anything thrown by a call. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
