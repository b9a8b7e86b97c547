/**
 * A view's data from one GET, refetched when its refresh key changes (the
 * overview tick, a button press). At most one request per resource is in
 * flight: a refresh asked for meanwhile runs once when it ends, so a slow
 * server never gets a pile of overlapping reads.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, errorText, getJson } from "./api.ts";

/** What `useResource` returns. */
export interface Resource<T> {
  /** The last data read for this path (kept while a refetch runs). */
  data: T | null;
  /** The last read's error, or null when it succeeded. */
  error: string | null;
  /** The last error's HTTP status (404: not found), or 0. */
  status: number;
  /** Fetches again now. */
  reload: () => void;
}

interface Loaded<T> {
  path: string;
  data: T | null;
  error: string | null;
  status: number;
}

interface Flight {
  path: string;
  busy: boolean;
  again: boolean;
}

/** Reads `api/<path>` now, on each change of `refreshKey`, and on reload(). */
export function useResource<T>(path: string, refreshKey: unknown = 0): Resource<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ path, data: null, error: null, status: 0 });
  const flight = useRef<Flight>({ path, busy: false, again: false });

  const run = useCallback(async (): Promise<void> => {
    const f = flight.current;
    if (f.busy) {
      f.again = true;
      return;
    }
    f.busy = true;
    const wanted = f.path;
    try {
      const data = await getJson<T>(wanted);
      if (f.path === wanted) setLoaded({ path: wanted, data, error: null, status: 0 });
    } catch (error) {
      const status = error instanceof ApiError ? error.status : 0;
      if (f.path === wanted) {
        setLoaded((old) => ({ path: wanted, data: old.path === wanted ? old.data : null, error: errorText(error), status }));
      }
    } finally {
      f.busy = false;
      if (f.again) {
        f.again = false;
        void run();
      }
    }
  }, []);

  useEffect(() => {
    flight.current.path = path;
    void run();
  }, [path, refreshKey]);

  // Another path's data is never shown, even for the one render before the effect.
  const current = loaded.path === path ? loaded : { data: null, error: null, status: 0 };
  return { data: current.data, error: current.error, status: current.status, reload: () => void run() };
}
