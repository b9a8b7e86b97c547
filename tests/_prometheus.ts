/**
 * Reading Prometheus metrics in tests: scrape an endpoint and parse it with
 * parse-prometheus-text-format (counters and gauges), and read a
 * histogram's `_count` per label set, which that parser flattens.
 */
/// <reference path="./types/parse-prometheus-text-format.d.ts" />
import parsePrometheusTextFormat, { type Family } from "parse-prometheus-text-format";

/** The metric families at `url`, parsed, and the text they came from. */
export async function scrape(url: string): Promise<{ families: Family[]; text: string; contentType: string }> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  const text = await response.text();
  return { families: parsePrometheusTextFormat(text), text, contentType: response.headers.get("content-type") ?? "" };
}

/** The sum of a counter's or gauge's samples whose labels include `match`. */
export function total(families: Family[], name: string, match: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (!family) return 0;
  return family.metrics
    .filter((m) => Object.entries(match).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value), 0);
}

/** The sum of a histogram's observation counts (its `_count` samples) whose labels include `match`. */
export function histogramCount(text: string, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const sample = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!sample || sample[1] !== `${name}_count`) continue;
    const labels = Object.fromEntries([...sample[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) sum += Number(sample[3]);
  }
  return sum;
}
