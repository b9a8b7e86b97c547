/**
 * `tq doctor`: checks a live installation (core/doctor.ts) and prints each
 * finding with what to do. Exits 1 when something needs action, so it can
 * guard a deploy or page someone; `--json` for machines.
 */
import { diagnose, type Finding } from "../../core/doctor.ts";
import { EXIT } from "../errors.ts";
import { appFromOptions } from "../load_app.ts";
import { out } from "../output.ts";
import { type Cell, printTable } from "../table.ts";

const COLOUR = { ok: "green", note: "dim", warn: "yellow", fail: "red" } as const;

export async function doctorCommand(flags: { app?: string; json?: boolean }): Promise<number> {
  // Read-only: creates and migrates nothing. Unlike the other read-only
  // commands it runs on a schema that is behind this tq, since saying so is
  // one of its findings; where tq is not installed it exits 6 as they do.
  const { app } = await appFromOptions(flags);
  try {
    app.configFromObject({ migrate: false });
    await app.ready();
    const report = await diagnose(app);
    if (flags.json) out(JSON.stringify(report));
    else print(report.findings, report.needsAction);
    if (report.findings.some((f) => f.check === "schema" && /not installed/.test(f.message))) return EXIT.notInstalled;
    return report.needsAction ? EXIT.failure : EXIT.ok;
  } finally {
    await app.close();
  }
}

function print(findings: Finding[], needsAction: boolean): void {
  printTable(
    ["CHECK", "STATUS", "FINDING"],
    findings.map((f): Cell[] => [f.check, { text: f.level, colour: COLOUR[f.level] }, f.action ? `${f.message} ${f.action}` : f.message]),
  );
  const count = findings.filter((f) => f.level === "warn" || f.level === "fail").length;
  out("");
  out(needsAction ? `${count} finding(s) need action.` : "All clear.");
}
