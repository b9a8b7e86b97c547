/**
 * Hash routing: every page is a `#/...` address, so moving between pages
 * never reloads, back and forward work, and the server serves one page at
 * any path prefix.
 */
import { useEffect, useState } from "preact/hooks";
import type { ListName } from "./types.ts";

/** A page and its parameters. */
export type Route =
  | { page: "overview" }
  | { page: "workers" }
  | { page: "list"; list: ListName; offset: number }
  | { page: "job"; id: string }
  | { page: "schedules" }
  | { page: "missing"; path: string };

/** Job ids are UUIDs; anything else typed in the job box is refused. */
export const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const LISTS: readonly string[] = ["active", "scheduled", "failed"];

/** The route of a location hash ("#/jobs/failed?offset=50"). */
export function parseHash(hash: string): Route {
  const [path, query = ""] = hash.replace(/^#/, "").split("?", 2);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: "overview" };
  if (parts.length === 1 && parts[0] === "workers") return { page: "workers" };
  if (parts.length === 1 && parts[0] === "schedules") return { page: "schedules" };
  if (parts.length === 2 && parts[0] === "jobs") {
    if (LISTS.includes(parts[1])) {
      const offset = Number(new URLSearchParams(query).get("offset") ?? 0);
      return { page: "list", list: parts[1] as ListName, offset: Number.isInteger(offset) && offset > 0 ? offset : 0 };
    }
    if (JOB_ID.test(parts[1])) return { page: "job", id: parts[1].toLowerCase() };
  }
  return { page: "missing", path };
}

/** The link target of a page path ("/jobs/failed" → "#/jobs/failed"). */
export function href(path: string): string {
  return `#${path}`;
}

/** The link target of a job's page. */
export function jobHref(id: string): string {
  return href(`/jobs/${encodeURIComponent(id)}`);
}

/** Goes to a page path without reloading. */
export function navigate(path: string): void {
  location.hash = path;
}

/** The current route; the calling view re-renders when the hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}
