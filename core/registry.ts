/** Maps task names to tasks. Each app has its own. */
import { TaskNotRegistered } from "./errors.ts";

/** Names from `names` close to `name`, closest first (edit distance). */
export function closeNames(name: string, names: Iterable<string>, max = 3): string[] {
  const scored: [number, string][] = [];
  for (const candidate of names) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    const limit = Math.max(2, Math.floor(Math.max(name.length, candidate.length) / 3));
    if (distance <= limit || candidate.includes(name) || name.includes(candidate)) scored.push([distance, candidate]);
  }
  return scored.sort((a, b) => a[0] - b[0]).slice(0, max).map(([, n]) => n);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

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
