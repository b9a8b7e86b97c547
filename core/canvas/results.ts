/**
 * Handles on several results at once: ResultSet (any results) and
 * GroupResult (a saved group, restorable by id from another process), as
 * Celery's.
 */
import { parseDuration } from "../duration.ts";
import { ResultTimeout } from "../errors.ts";
import type { AsyncResult, GetOptions } from "../result.ts";
import type { RevokeOutcome } from "../transport.ts";

/** Several results handled as one (Celery's ResultSet); `R` is the tuple of their values, in member order. */
export class ResultSet<R extends unknown[] = unknown[]> {
  /** The members' handles, in member order. */
  readonly results: AsyncResult[];

  /** A set of these results. */
  constructor(results: AsyncResult[]) {
    this.results = results;
  }

  /**
   * Every result, in member order; rejects with the first failure (by
   * member order) once all are done, or with ResultTimeout when `timeout`
   * (for all of them together) runs out.
   */
  async get(options: GetOptions = {}): Promise<R> {
    const deadline = options.timeout === undefined ? undefined : Date.now() + (parseDuration(options.timeout) ?? 0);
    const settled = await Promise.allSettled(this.results.map((r) => r.get(deadline === undefined ? {} : { timeout: Math.max(1, deadline - Date.now()) })));
    const timedOut = settled.find((s) => s.status === "rejected" && s.reason instanceof ResultTimeout);
    if (timedOut) throw (timedOut as PromiseRejectedResult).reason;
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as R;
  }

  /** How many members finished, whatever their outcome. */
  async completedCount(): Promise<number> {
    const ready = await Promise.all(this.results.map((r) => r.ready()));
    return ready.filter(Boolean).length;
  }

  /** True when every member finished. */
  async ready(): Promise<boolean> {
    return (await this.completedCount()) === this.results.length;
  }

  /** True when every member succeeded. */
  async successful(): Promise<boolean> {
    return (await Promise.all(this.results.map((r) => r.successful()))).every(Boolean);
  }

  /** True when any member failed. */
  async failed(): Promise<boolean> {
    return (await Promise.all(this.results.map((r) => r.failed()))).some(Boolean);
  }

  /** Revokes every member. */
  async revoke(options: { terminate?: boolean } = {}): Promise<RevokeOutcome["outcome"][]> {
    return await Promise.all(this.results.map((r) => r.revoke(options)));
  }

  /**
   * Results as they arrive (Celery's join, in finishing order): yields
   * `{ index, value }`, or `{ index, error }` for a member that failed.
   */
  async *asCompleted(options: GetOptions = {}): AsyncGenerator<{ index: number; value?: unknown; error?: unknown }> {
    const pending = new Map(this.results.map((r, index) => [
      index,
      r.get(options).then((value) => ({ index, value }), (error) => ({ index, error })),
    ]));
    while (pending.size) {
      const next = await Promise.race(pending.values());
      pending.delete(next.index);
      yield next;
    }
  }

  /** How many members it has. */
  get length(): number {
    return this.results.length;
  }
}

/** A group's results: its id is saved with its members, so `app.GroupResult.restore(id)` finds them anywhere. */
export class GroupResult<R extends unknown[] = unknown[]> extends ResultSet<R> {
  /** The group's id: what `app.GroupResult.restore(id)` takes. */
  readonly id: string;

  /** Made by starting a group, and by `app.GroupResult.restore(id)`. */
  constructor(id: string, results: AsyncResult[]) {
    super(results);
    this.id = id;
  }

  /** The group as JSON: its id and its members' ids. */
  toJSON(): { id: string; results: string[] } {
    return { id: this.id, results: this.results.map((r) => r.id) };
  }
}

/** The results of `task.chunks()`: one job per chunk; `get()` flattens the chunks' values back, in order. */
export class ChunksResult<T = unknown> {
  /** The group of chunk jobs; each member's value is the list of its chunk's results. */
  readonly group: GroupResult<T[][]>;

  /** Made by `delay()` of `task.chunks()`. */
  constructor(group: GroupResult<T[][]>) {
    this.group = group;
  }

  /** The id of the chunks' group. */
  get id(): string {
    return this.group.id;
  }

  /** Every call's result, in argument-list order; rejects as `GroupResult.get()` does. */
  async get(options: GetOptions = {}): Promise<T[]> {
    return (await this.group.get(options)).flat() as T[];
  }
}
