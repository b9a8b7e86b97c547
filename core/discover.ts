/**
 * `app.autodiscoverTasks()`: imports the modules that register an app's
 * tasks, as Celery's `autodiscover_tasks` imports each package's `tasks.py`.
 * It is meant to be called without `await` at the top level of the app's
 * module, so nothing may read the registry before the imports are done:
 * `app.ready()` waits for them (an init hook), and so does `loadApp()` (the
 * CLI's `-A` and a pool child), which reads the registry right away.
 */
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "./errors.ts";
import { describeLoadError } from "./load_error.ts";
import type { Logger } from "./logger.ts";
import { importModule } from "./runtime.ts";

/** Options of `app.autodiscoverTasks()`. */
export interface DiscoverOptions {
  /**
   * The module a directory stands for, without its extension: "tasks" (as
   * Celery's `related_name`), so `billing/` means `billing/tasks.ts`.
   */
  relatedName?: string;
}

/** What discovery needs of an app: its task names, and where to warn. */
export interface DiscoveringApp {
  registry: { names(): string[] };
  logger: Logger;
}

/** Extensions tried, in order, for a directory's related module. */
const EXTENSIONS = [".ts", ".js", ".mts", ".mjs"];

/** The discoveries started on each app, so loadApp() can wait for them. */
const started = new WeakMap<object, Promise<unknown>[]>();

/**
 * Imports `modules` one after another and resolves to the names of the tasks
 * they added. A module that fails to import rejects with a ConfigError naming
 * it and the reason; one that adds no task is warned about. The promise
 * counts as handled: a caller that does not await it learns of a failure
 * from `app.ready()` (or `loadApp()`), and the process does not crash first.
 */
export function discoverTasks(app: DiscoveringApp, modules: string[], options: DiscoverOptions = {}): Promise<string[]> {
  if (!Array.isArray(modules) || modules.some((m) => typeof m !== "string" || m === "")) {
    throw new ConfigError(`app.autodiscoverTasks() takes an array of module paths or file:// URLs, got ${JSON.stringify(modules)}.`);
  }
  const relatedName = options.relatedName ?? "tasks";
  if (typeof relatedName !== "string" || relatedName === "" || /[\\/]/.test(relatedName)) {
    throw new ConfigError(`Option "relatedName" of app.autodiscoverTasks() must be a file name without extension, such as "tasks", got ${JSON.stringify(relatedName)}.`);
  }
  const discovery = importInTurn(app, [...modules], relatedName);
  discovery.catch(() => {});
  started.set(app, [...(started.get(app) ?? []), discovery]);
  return discovery;
}

/** Settles once every discovery started on `app` so far has; rejects with the first that failed. */
export async function discoveries(app: object): Promise<void> {
  await Promise.all(started.get(app) ?? []);
}

async function importInTurn(app: DiscoveringApp, modules: string[], relatedName: string): Promise<string[]> {
  // Let the calling module finish its own top-level code first, so tasks it
  // registers after this call are not counted as discovered.
  await Promise.resolve();
  const added: string[] = [];
  for (const module of modules) {
    const target = locate(module, relatedName);
    const before = new Set(app.registry.names());
    try {
      await importModule(target);
    } catch (error) {
      throw new ConfigError(`Importing the task module "${module}" failed: ${describeLoadError(error)}`, { cause: error });
    }
    const names = app.registry.names().filter((name) => !before.has(name));
    if (names.length === 0) {
      app.logger.log("warn", `The task module "${module}" registered no new task on this app: it registers none, registers them on another app, or was imported before.`, { module });
    }
    added.push(...names);
  }
  return added;
}

/**
 * What to import for `module`: a path (relative to the working directory, or
 * absolute) or a file:// URL, where a directory means its related module; any
 * other URL as it is. ConfigError when there is nothing there.
 */
function locate(module: string, relatedName: string): string {
  const isFileUrl = /^file:/i.test(module);
  if (!isFileUrl && /^[a-z][a-z0-9+.-]+:\/\//i.test(module)) return module;
  const path = isFileUrl ? fileURLToPath(module) : resolve(module);
  const kind = statSync(path, { throwIfNoEntry: false });
  if (!kind) throw new ConfigError(`Cannot discover tasks in "${module}": no such file or directory (looked at ${path}).`);
  if (!kind.isDirectory()) return path;
  for (const extension of EXTENSIONS) {
    const file = join(path, relatedName + extension);
    if (statSync(file, { throwIfNoEntry: false })?.isFile()) return file;
  }
  throw new ConfigError(`Cannot discover tasks in "${module}": it is a directory without a ${relatedName}.ts (looked at ${join(path, `${relatedName}.ts`)}).`);
}
