/**
 * How numbers, times and JSON read on the page. Ages are measured against
 * the server's clock (live.serverNow), so a browser whose clock is off does
 * not show jobs as due in the past.
 */
import { serverNow } from "./live.ts";

/** A length of time: "850 ms", "3.2 s", "4 min 10 s", "2 h 5 min", "3 d 4 h". */
export function duration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 10_000) return `${(abs / 1000).toFixed(1)} s`;
  const s = Math.round(abs / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 ? `${min} min ${s % 60} s` : `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** A time relative to now: "12 s ago", "in 3 min", "now"; "—" for none. */
export function relative(iso: string | null | undefined): string {
  if (!iso) return "—";
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return iso;
  const diff = at - serverNow();
  if (Math.abs(diff) < 1000) return "now";
  return diff > 0 ? `in ${duration(diff)}` : `${duration(diff)} ago`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** A time in the browser's zone, "2025-05-01 14:03:09"; "—" for none. */
export function absolute(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A count with thousands separators; "—" for none. */
export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : n.toLocaleString("en-US");
}

/** Any JSON, indented for reading. */
export function pretty(value: unknown): string {
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Any JSON on one line, cut to `max` characters (table cells). */
export function brief(value: unknown, max = 80): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The first block of a UUID, enough to tell jobs apart in a table. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}
