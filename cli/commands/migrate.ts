/** `tq migrate`: applies database migrations (also done on first use). */
import { describeTarget } from "../../transports/postgres/errors.ts";
import { EXIT } from "../errors.ts";
import { appFromOptions } from "../load_app.ts";
import { out } from "../output.ts";

export async function migrateCommand(flags: { app?: string; json?: boolean; roles?: boolean }): Promise<number> {
  const { app } = await appFromOptions(flags);
  try {
    const applied = await app.migrate();
    const where = `schema "${app.config.schema}" at ${describeTarget(app.config.databaseUrl)}`;
    const roles = flags.roles ? await app.transport.rolesGrant() : undefined;
    if (flags.json) out(JSON.stringify({ schema: app.config.schema, applied, ...(roles ? { roles } : {}) }));
    else {
      out(applied ? `Applied ${applied} migration(s) to ${where}.` : `Nothing to migrate: ${where} is up to date.`);
      if (roles) {
        out(`Roles ${roles.producer}, ${roles.worker} and ${roles.inspector} are ready. Grant them to your login roles, e.g.`);
        out(`  GRANT ${roles.worker} TO my_worker_login;   -- and run its processes with TQ_MIGRATE=false`);
      }
    }
    return EXIT.ok;
  } finally {
    await app.close();
  }
}
