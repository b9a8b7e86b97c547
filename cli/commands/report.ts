/**
 * `tq report` (Celery's `bugreport`): what a bug report needs, as text to
 * paste or with `--json` as one object. Read-only, and it exits 0 whatever it
 * finds: a database out of reach, tq not installed, even a module that does
 * not load are what the report is for, so they are written into it.
 */
import { App } from "../../mod.ts";
import { gatherReport, type Report, type ReportError } from "../../core/report.ts";
import { EXIT } from "../errors.ts";
import { loadApp } from "../load_app.ts";
import { out } from "../output.ts";

/** `build`: this tq's version and commit, which cli/main.ts knows. */
export async function reportCommand(flags: { app?: string; json?: boolean }, build: { version: string; commit: string }): Promise<number> {
  let app: App;
  let moduleError: unknown;
  try {
    app = flags.app ? await loadApp(flags.app) : new App();
  } catch (error) {
    moduleError = error;
    app = new App();
  }
  try {
    const report = await gatherReport({ app, ...build, module: flags.app, moduleError });
    if (flags.json) out(JSON.stringify(report));
    else printReport(report);
    return EXIT.ok;
  } finally {
    await app.close();
  }
}

function printReport(report: Report): void {
  const { app, database, schema } = report;
  const lines: [string, string][] = [
    ["tq", `${report.tq.version} (${report.tq.commit})`],
    ["runtime", `${report.runtime.name} ${report.runtime.version}`],
    ["platform", `${report.platform.os} ${report.platform.release} ${report.platform.arch}`],
    ["app", app.module === null ? `${app.name ?? "-"} (no -A module)` : `${app.name ?? "-"} from ${app.module}`],
  ];
  if (app.error) lines.push(["app error", describe(app.error)]);
  if (app.tasks) lines.push(["tasks", app.tasks.length ? `${app.tasks.join(", ")} (${app.tasks.length})` : "(none registered)"]);
  if (report.configError) lines.push(["config error", describe(report.configError)]);
  else {
    lines.push(["database", database.url ?? "-"]);
    lines.push(["server", database.reachable ? database.server ?? "-" : `unreachable: ${database.error ? describe(database.error) : "-"}`]);
    if (database.reachable && database.error) lines.push(["database error", describe(database.error)]);
    if (database.now !== null) lines.push(["clock", `${database.now} (the database's; ${skew(database.clockSkewMs ?? 0)})`]);
    lines.push(["schema", `${schema.name}: ${migrations(schema)}`]);
  }
  lines.push(["environment", report.environment.length ? report.environment.join(", ") : "(no TQ_* variables set)"]);
  const width = Math.max(...lines.map(([key]) => key.length)) + 2;
  for (const [key, value] of lines) out(`${key.padEnd(width)}${value}`);
  if (report.config) {
    out("");
    out("config");
    const keyWidth = Math.max(...Object.keys(report.config).map((key) => key.length)) + 2;
    for (const [key, value] of Object.entries(report.config)) out(`  ${key.padEnd(keyWidth)}${Array.isArray(value) ? value.join(",") : String(value)}`);
  }
}

function describe(error: ReportError): string {
  return `${error.type} (${error.code}): ${error.message}`;
}

function skew(ms: number): string {
  if (Math.abs(ms) < 1) return "this machine's clock agrees";
  return `${Math.abs(ms)} ms ${ms > 0 ? "ahead of" : "behind"} this machine's clock`;
}

function migrations(schema: Report["schema"]): string {
  if (schema.applied === null) return "unknown (the database was not read)";
  if (!schema.installed) return `tq is not installed here (this tq has ${schema.latest} migrations; \`tq migrate\` or a worker creates them)`;
  if (schema.incompatible) return schema.incompatible;
  if (schema.applied < (schema.latest ?? 0)) return `at migration ${schema.applied}, this tq needs ${schema.latest}: run \`tq migrate\``;
  if (schema.applied > (schema.latest ?? 0)) return `at migration ${schema.applied}, newer than this tq's ${schema.latest}: a newer tq added to it, which this tq can use`;
  return `at migration ${schema.applied} of ${schema.latest} (up to date)`;
}
