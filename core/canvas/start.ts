/**
 * Starting a workflow from a producer, and the handles it gives back: the
 * ids are assigned before anything is written, so the handles (a chain's
 * result with its parents, a group's results) exist at once.
 */
import { loadTracing } from "../tracing.ts";
import { AsyncResult, type ResultSource } from "../result.ts";
import type { Transport } from "../transport.ts";
import { assertCanvas, type CanvasData, taskIdsOf, withIds } from "./data.ts";
import { assertLaunchable, type Launch, type LaunchContext, planLaunch } from "./launch.ts";
import { GroupResult, ResultSet } from "./results.ts";

export interface StartDeps {
  transport(): Promise<Transport>;
  context(): LaunchContext;
  results: ResultSource;
  /** Signs what starts it when the app signs (docs/security.md). */
  sign(launch: Launch): Promise<void>;
}

/** Writes what starts `data` (in `sql` if given) and returns its handle. */
export async function startCanvas(deps: StartDeps, data: CanvasData, options: { sql?: unknown } = {}): Promise<AsyncResult | GroupResult> {
  assertCanvas(data);
  assertLaunchable(data);
  // Its messages carry the active span's trace context (core/tracing.ts).
  await loadTracing();
  const withAll = withIds(data);
  const launch = planLaunch(withAll, undefined, deps.context());
  await deps.sign(launch);
  await (await deps.transport()).canvasInsert(launch, { sql: options.sql });
  return handleOf(withAll, deps.results);
}

/** The handle of `data` (ids assigned), parents linked: a chain's step to the one before, a chord's callback to its header. */
export function handleOf(data: CanvasData, results: ResultSource, parent?: AsyncResult | ResultSet): AsyncResult | GroupResult {
  switch (data.kind) {
    case "task": {
      const handle = new AsyncResult(data.options!.id!, results);
      if (parent) handle.parent = parent;
      return handle;
    }
    case "chain": {
      let previous = parent;
      let last!: AsyncResult | GroupResult;
      for (const step of data.steps) {
        last = handleOf(step, results, previous);
        previous = last;
      }
      if (last instanceof AsyncResult) last.workflow = taskIdsOf(data);
      return last;
    }
    case "group":
      return new GroupResult(data.id!, flatMembers(data.members).map((m) => handleOf(m, results) as AsyncResult));
    case "chord": {
      const header = new ResultSet(flatMembers(data.header).map((m) => handleOf(m, results) as AsyncResult));
      const handle = handleOf(data.body, results, header);
      if (handle instanceof AsyncResult) handle.workflow = taskIdsOf(data);
      return handle;
    }
  }
}

function flatMembers(members: CanvasData[]): CanvasData[] {
  return members.flatMap((m) => (m.kind === "group" ? flatMembers(m.members) : [m]));
}
