/** Maps task names to tasks. Each app has its own. */
import { closeNames } from "./close_names.ts";
import { TaskNotRegistered } from "./errors.ts";

/** The error for an unknown task name, naming close registered names. */
export function unknownTask(name: string, known: Iterable<string>, where: string): TaskNotRegistered {
  const names = [...known];
  const close = closeNames(name, names);
  const hint = close.length ? ` Did you mean ${close.map((n) => `"${n}"`).join(" or ")}?` : names.length ? ` Registered: ${names.slice(0, 20).join(", ")}.` : " No tasks are registered.";
  return new TaskNotRegistered(`Task "${name}" is not registered ${where}.${hint}`);
}

export class Registry<T extends { name: string }> {
  readonly #tasks = new Map<string, T>();

  add(task: T): void {
    if (this.#tasks.has(task.name)) throw new TaskNotRegistered(`Task "${task.name}" is already registered in this app; task names must be unique.`);
    this.#tasks.set(task.name, task);
  }

  get(name: string): T | undefined {
    return this.#tasks.get(name);
  }

  /** The task, or TaskNotRegistered naming close names. */
  require(name: string, where = "in this app"): T {
    const task = this.#tasks.get(name);
    if (!task) throw unknownTask(name, this.#tasks.keys(), where);
    return task;
  }

  names(): string[] {
    return [...this.#tasks.keys()];
  }

  all(): T[] {
    return [...this.#tasks.values()];
  }

  get size(): number {
    return this.#tasks.size;
  }
}
