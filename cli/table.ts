/** Tables and colour for people: colour only when stdout is a terminal and NO_COLOR is unset. */
import process from "node:process";
import { env } from "../core/runtime.ts";
import { out } from "./output.ts";

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

/** Whether to colour output: a TTY, and NO_COLOR not set (https://no-color.org). */
export function useColour(): boolean {
  return process.stdout.isTTY === true && !env("NO_COLOR");
}

export function paint(text: string, colour: Colour | undefined): string {
  return colour && useColour() ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}

/** A cell: plain text, or text with a colour applied after the widths are measured. */
export type Cell = string | { text: string; colour?: Colour };

/** Prints rows under a header, columns padded to their widest cell. */
export function printTable(header: string[], rows: Cell[][]): void {
  const text = (cell: Cell) => (typeof cell === "string" ? cell : cell.text);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => text(r[i] ?? "").length)));
  out(paint(header.map((h, i) => h.padEnd(widths[i])).join("  ").trimEnd(), "bold"));
  for (const row of rows) {
    const line = row.map((cell, i) => {
      const padded = text(cell).padEnd(i === row.length - 1 ? 0 : widths[i]);
      return typeof cell === "string" ? padded : paint(padded, cell.colour);
    });
    out(line.join("  ").trimEnd());
  }
}

/** A duration for people: 850ms, 4.2s, 3m, 2h, 5d. */
export function humanMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  if (ms < 86_400_000) return `${Math.round(ms / 360_000) / 10}h`;
  return `${Math.round(ms / 8_640_000) / 10}d`;
}

export function isoOrDash(date: Date | null | undefined): string {
  return date ? date.toISOString() : "-";
}

/** The colour of a task state. */
export function stateColour(state: string): Colour | undefined {
  if (state === "SUCCESS") return "green";
  if (state === "FAILURE" || state === "REVOKED") return "red";
  if (state === "STARTED" || state === "RETRY") return "yellow";
  return undefined;
}
