/**
 * The script a process-pool child runs (`deno run -A child_main.ts`, or
 * `bun child_main.ts`) when tq runs from source. A compiled binary re-runs
 * itself with the hidden subcommand instead (cli/main.ts).
 */
import { args, exit } from "../../runtime.ts";
import { runPoolChild } from "./child_entry.ts";

runPoolChild(args()).then(exit, (error) => {
  console.error(error instanceof Error ? error.message : error);
  exit(1);
});
