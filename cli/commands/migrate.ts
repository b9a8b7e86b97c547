/** `tq migrate`: applies database migrations (also done on first use). */
import { describeTarget } from "../../transports/postgres/errors.ts";
import { EXIT } from "../errors.ts";
import { appFromOptions } from "../load_app.ts";
import { out } from "../output.ts";

export async function migrateCommand(flags: { app?: string; json?: boolean }): Promise<number> {
  const { app } = await appFromOptions(flags);
  try {
    const applied = await app.migrate();
    const where = `schema "${app.config.schema}" at ${describeTarget(app.config.databaseUrl)}`;
    if (flags.json) out(JSON.stringify({ schema: app.config.schema, applied }));
    else out(applied ? `Applied ${applied} migration(s) to ${where}.` : `Nothing to migrate: ${where} is up to date.`);
    return EXIT.ok;
  } finally {
    await app.close();
  }
}
