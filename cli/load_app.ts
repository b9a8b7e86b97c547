/** The CLI's `-A`: the user's module and the App it exports. */
import { App } from "../mod.ts";
import { loadApp } from "../core/app_module.ts";
import { requireInstalled } from "../core/inspect.ts";
import { describeTarget } from "../transports/postgres/errors.ts";

export { loadApp };

/** The app of `-A` if given, else a bare app (TQ_* variables configure both). */
export async function appFromOptions(options: { app?: string }): Promise<{ app: App; fromModule: boolean }> {
  if (options.app) return { app: await loadApp(options.app), fromModule: true };
  return { app: new App(), fromModule: false };
}

/**
 * The app of a read-only command (`tq inspect`, `tq events`, `tq beat
 * list`): its "migrate" option off, and NotInstalled unless tq's tables are
 * there, so that looking at a database never creates a schema in it.
 */
export async function readOnlyApp(options: { app?: string }): Promise<App> {
  const { app } = await appFromOptions(options);
  try {
    app.configFromObject({ migrate: false });
    await app.ready();
    await requireInstalled(app.transport, `schema "${app.config.schema}" at ${describeTarget(app.config.databaseUrl)}`);
    return app;
  } catch (error) {
    await app.close();
    throw error;
  }
}
