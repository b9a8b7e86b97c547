/**
 * Loads a user's module (the CLI's `-A`, or what a pool's thread or child
 * process loads) and finds the App it exports.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type App, isApp } from "./app.ts";
import { discoveries } from "./discover.ts";
import { ConfigError } from "./errors.ts";
import { describeLoadError } from "./load_error.ts";
import { importModule } from "./runtime.ts";

/** Exports tried in order when a module exports several apps. */
const PREFERRED_EXPORTS = ["app", "default"];

/** Imports `path` and returns the App it exports; ConfigError says what is wrong and where. */
export async function loadApp(path: string): Promise<App> {
  const absolute = resolve(path);
  if (!/^[a-z]+:\/\//i.test(path) && !existsSync(absolute)) {
    throw new ConfigError(`Cannot load the app module "${path}": no such file (looked at ${absolute}). Pass the path of your tasks module with -A.`);
  }
  let module: Record<string, unknown>;
  try {
    module = await importModule(path);
  } catch (error) {
    throw new ConfigError(`Loading the app module "${path}" failed: ${describeLoadError(error)}`, { cause: error });
  }
  const apps = Object.entries(module).filter(([, value]) => isApp(value)) as [string, App][];
  if (apps.length === 0) {
    throw new ConfigError(`The module "${path}" exports no tq App. Export the one your tasks use, e.g. \`export const app = new App({ name: "shop" })\`.`);
  }
  const app = apps.length === 1 ? apps[0][1] : apps.find(([name]) => PREFERRED_EXPORTS.includes(name))?.[1];
  if (app) {
    // Tasks the module discovers without awaiting (app.autodiscoverTasks) are registered before anyone reads the registry.
    await discoveries(app);
    return app;
  }
  throw new ConfigError(`The module "${path}" exports several apps (${apps.map(([n]) => n).join(", ")}); export the one to run as "app".`);
}
