/** The CLI's `-A`: the user's module and the App it exports. */
import { App } from "../mod.ts";
import { loadApp } from "../core/app_module.ts";

export { loadApp };

/** The app of `-A` if given, else a bare app (TQ_* variables configure both). */
export async function appFromOptions(options: { app?: string }): Promise<{ app: App; fromModule: boolean }> {
  if (options.app) return { app: await loadApp(options.app), fromModule: true };
  return { app: new App(), fromModule: false };
}
