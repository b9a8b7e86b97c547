/**
 * The built-in tasks behind `task.map()` and `task.starmap()`: one job that
 * calls another task's handler for each item, in order, in the same context
 * (Celery's xmap and xstarmap). Every app registers them, so every worker can
 * run them.
 */
import type { TaskContext } from "../context.ts";
import type { Registry } from "../registry.ts";
import { MAP_TASK, STARMAP_TASK, type Task, type TaskHandler } from "../task.ts";

// deno-lint-ignore no-explicit-any
type AnyTask = Task<any, any>;

export function canvasBuiltins(registry: Registry<AnyTask>): { name: string; handler: TaskHandler }[] {
  const each = (spread: boolean) =>
    async function (this: TaskContext, name: string, items: unknown[]): Promise<unknown[]> {
      const task = registry.require(name, "on this worker");
      const results: unknown[] = [];
      for (const item of items) {
        const args = spread ? item as unknown[] : [item];
        task.checkArgs(args);
        results.push(await task.handler.apply(this, args as never));
      }
      return results;
    };
  return [{ name: MAP_TASK, handler: each(false) }, { name: STARMAP_TASK, handler: each(true) }];
}
