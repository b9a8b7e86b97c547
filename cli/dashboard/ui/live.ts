/**
 * The live connection: one EventSource on `api/stream` for the whole page.
 * Its `overview` events (every ~2 s) replace the overview and are the tick
 * on which lists and unfinished jobs refetch; its `tq` events (recorded only
 * when workers run with -E) make a job page refetch at once. Nothing else
 * polls, so an open dashboard costs the server one stream and a few reads
 * per tick.
 */
import { useEffect, useRef } from "preact/hooks";
import { errorText, getJson } from "./api.ts";
import { createStore, useStore } from "./store.ts";
import { token, tokenPrompt } from "./token.ts";
import type { Overview, TqEvent } from "./types.ts";

/** The latest overview (null until the first arrives). */
export const overview = createStore<Overview | null>(null);

/** Why the overview could not be read, or null. */
export const overviewError = createStore<string | null>(null);

/** Whether the stream is open now. */
export const streamOpen = createStore<boolean>(false);

/** Counts the overview events received: views refetch when it changes. */
export const tick = createStore<number>(0);

const eventListeners = new Set<(event: TqEvent) => void>();

/** Server clock minus this browser's, so ages agree with the server's idea of now. */
let skewMs = 0;

/** The server's time now, in ms since the epoch. */
export function serverNow(): number {
  return Date.now() + skewMs;
}

function accept(next: Overview): void {
  const at = Date.parse(next.now);
  if (Number.isFinite(at)) skewMs = at - Date.now();
  overviewError.set(null);
  overview.set(next);
  if (next.tokenRequired && !next.readOnly && !token.get() && tokenPrompt.get() === null) {
    tokenPrompt.set("Actions need the dashboard token.");
  }
}

/** Reads the overview once (the page shows it before the stream's first push). */
export async function refreshOverview(): Promise<void> {
  try {
    accept(await getJson<Overview>("overview"));
  } catch (error) {
    overviewError.set(errorText(error));
  }
}

let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function connect(): void {
  source = new EventSource("api/stream");
  source.onopen = () => streamOpen.set(true);
  source.onerror = () => {
    streamOpen.set(false);
    // CONNECTING: the browser retries by itself. CLOSED (an error status,
    // say): it gave up, so try again later ourselves.
    if (source?.readyState === EventSource.CLOSED) {
      source = null;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connect, 5000);
    }
  };
  source.addEventListener("overview", (message) => {
    streamOpen.set(true);
    try {
      accept(JSON.parse((message as MessageEvent<string>).data) as Overview);
    } catch {
      return;
    }
    tick.set(tick.get() + 1);
  });
  // The server could not read the database; its next overview clears this.
  source.addEventListener("problem", (message) => {
    try {
      overviewError.set((JSON.parse((message as MessageEvent<string>).data) as { error: string }).error);
    } catch {
      // Not ours to interpret.
    }
  });
  source.addEventListener("tq", (message) => {
    let event: TqEvent;
    try {
      event = JSON.parse((message as MessageEvent<string>).data) as TqEvent;
    } catch {
      return;
    }
    for (const listener of [...eventListeners]) listener(event);
  });
}

/** Opens the stream and reads the first overview; called once by main. */
export function startLive(): void {
  if (source) return;
  void refreshOverview();
  connect();
}

/** The overview tick, for views that refetch on it. */
export function useTick(): number {
  return useStore(tick);
}

/** Calls `listener` for each task event of the stream while the view is shown. */
export function useTqEvents(listener: (event: TqEvent) => void): void {
  // The latest listener, without resubscribing on every render.
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    const forward = (event: TqEvent) => latest.current(event);
    eventListeners.add(forward);
    return () => void eventListeners.delete(forward);
  }, []);
}
