/**
 * The dashboard's read API (GET /api/...): JSON read through `app.inspect`
 * and `app.schedules`, never SQL. Every list is paginated and capped: a page
 * holds at most 100 rows, and paging stops after the first 1,000 (`tq
 * inspect --json --limit` reads further).
 */
import type { Context } from "hono";
import { type App, NotFound } from "../../mod.ts";

/** Rows a list page holds by default and at most. */
export const PAGE = { default: 50, max: 100 };
/** How far paging goes into a list. */
export const LIST_CAP = 1_000;

const LISTS = ["active", "scheduled", "failed"] as const;
type ListName = (typeof LISTS)[number];

/** A bad query: answered 400 with its message. */
export class BadRequest extends Error {}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The task id in the path, checked. */
export function jobIdOf(c: Context): string {
  const id = c.req.param("id") ?? "";
  if (!UUID.test(id)) throw new BadRequest(`"${id}" is not a task id: a task id is a UUID such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427.`);
  return id;
}

function integerParam(c: Context, name: string, fallback: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new BadRequest(`"${name}" must be an integer from ${min} to ${max}, got "${raw}".`);
  return n;
}

/** The read endpoints of one app. */
export class ReadApi {
  constructor(private readonly app: App, private readonly access: () => { readOnly: boolean; tokenRequired: boolean }) {}

  /** Queues and workers (also pushed to open pages every two seconds). */
  async overview(): Promise<Record<string, unknown>> {
    const [queues, workers, now] = await Promise.all([this.app.inspect.queues(), this.app.inspect.workers(), this.app.now()]);
    // Live workers first, then the most recently seen; capped like every list.
    workers.sort((a, b) => Number(b.alive) - Number(a.alive) || b.heartbeatAt.getTime() - a.heartbeatAt.getTime());
    return { now, ...this.access(), queues, workers: workers.slice(0, LIST_CAP) };
  }

  async chart(): Promise<Record<string, unknown>> {
    return { minutes: await this.app.inspect.timeline() };
  }

  /** One page of the active, scheduled or failed jobs. */
  async jobs(c: Context): Promise<Record<string, unknown>> {
    const list = c.req.query("list") as ListName;
    if (!LISTS.includes(list)) throw new BadRequest(`"list" must be one of ${LISTS.join(", ")}, got "${c.req.query("list") ?? ""}".`);
    const limit = integerParam(c, "limit", PAGE.default, 1, PAGE.max);
    const offset = integerParam(c, "offset", 0, 0, LIST_CAP - limit);
    // One row past the page tells whether there is a next one.
    const want = Math.min(offset + limit + 1, LIST_CAP);
    const rows: unknown[] = list === "failed" ? await this.app.inspect.failed({ limit: want }) : await this.app.inspect[list]({ limit: want });
    const items = rows.slice(offset, offset + limit);
    return { list, items, offset, limit, more: rows.length > offset + limit, cap: LIST_CAP };
  }

  /** Everything about one task; null when nothing is known about it. */
  async job(id: string): Promise<Record<string, unknown> | null> {
    try {
      return { ...(await this.app.inspect.job(id)) };
    } catch (error) {
      if (error instanceof NotFound) return null;
      throw error;
    }
  }

  async schedules(): Promise<Record<string, unknown>> {
    const items = await this.app.schedules.list();
    return { items: items.slice(0, LIST_CAP) };
  }
}
