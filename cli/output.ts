/** The CLI's only writers: results to stdout, messages to stderr. */
import process from "node:process";

export function out(line: string): void {
  process.stdout.write(line + "\n");
}

export function err(line: string): void {
  process.stderr.write(line + "\n");
}
