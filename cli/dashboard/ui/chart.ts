/**
 * A small time-series chart drawn by uPlot (canvas, ~45 KB, no
 * dependencies). Colors come from the page's CSS variables, so the chart
 * follows the light or dark scheme; it is redrawn when the scheme changes
 * and resized with its box.
 */
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { duration } from "./format.ts";
import { html } from "./html.ts";

/** One line of a chart: its legend label and the CSS variable of its color. */
export interface LineSpec {
  label: string;
  color: string;
}

/** What a chart shows: x in seconds since the epoch, one y array per line (null: a gap). */
export interface ChartProps {
  title: string;
  summary: string;
  lines: LineSpec[];
  x: number[];
  ys: (number | null)[][];
  unit: "count" | "ms";
}

const HEIGHT = 170;

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

/** Changes each time the color scheme flips, to rebuild charts in the new colors. */
function useSchemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const query = matchMedia("(prefers-color-scheme: dark)");
    const flip = () => setVersion((v) => v + 1);
    query.addEventListener("change", flip);
    return () => query.removeEventListener("change", flip);
  }, []);
  return version;
}

function options(props: ChartProps, width: number): uPlot.Options {
  const text = cssVar("--muted");
  const grid = cssVar("--grid");
  const value = (_: uPlot, v: number | null) => v === null || v === undefined ? "—" : props.unit === "ms" ? duration(v) : String(v);
  return {
    width,
    height: HEIGHT,
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
      {
        stroke: text,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        size: 56,
        values: (_u, splits) => splits.map((v) => props.unit === "ms" ? duration(v) : String(v)),
      },
    ],
    series: [
      { label: "time" },
      ...props.lines.map((line) => ({
        label: line.label,
        stroke: cssVar(line.color),
        fill: `${cssVar(line.color)}22`,
        width: 2,
        // Latency has no value in an idle minute, so a lone busy minute would draw no line: mark each minute.
        points: { show: props.unit === "ms", size: 5 },
        spanGaps: false,
        value,
      })),
    ],
  };
}

/** A chart of the given lines, as wide as its box. */
export function LineChart(props: ChartProps): VNode {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const scheme = useSchemeVersion();
  const data = [props.x, ...props.ys] as uPlot.AlignedData;

  // Built once per scheme; data changes go through setData below.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const chart = new uPlot(options(props, Math.max(200, el.clientWidth)), data, el);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [scheme]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [props.x, ...props.ys]);

  return html`<figure class="chart">
    <figcaption><strong>${props.title}</strong> <span class="muted">${props.summary}</span></figcaption>
    <div class="chart-box" ref=${box} role="img" aria-label=${`${props.title}: ${props.summary}`}></div>
  </figure>`;
}
