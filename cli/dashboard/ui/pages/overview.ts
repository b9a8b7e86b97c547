/**
 * `#/`: every queue's counts with pause and resume, the last hour's
 * throughput and latency, and how many workers are alive. The counts come
 * from the stream's overview; the charts are read once a minute.
 */
import type { VNode } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { postAction } from "../api.ts";
import { LineChart } from "../chart.ts";
import { ActionButton, Badge, ErrorNote, Loading, TableBox } from "../components.ts";
import { count, duration } from "../format.ts";
import { html } from "../html.ts";
import { overview, overviewError, refreshOverview } from "../live.ts";
import { useResource } from "../resource.ts";
import { href } from "../router.ts";
import { useStore } from "../store.ts";
import type { Chart, QueueSummary } from "../types.ts";

/** Increases once a minute: the chart's refresh key. */
function useMinute(): number {
  const [minute, setMinute] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setMinute((m) => m + 1), 60_000);
    return () => clearInterval(timer);
  }, []);
  return minute;
}

function sum(values: (number | null)[]): number {
  return values.reduce<number>((total, v) => total + (v ?? 0), 0);
}

function average(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => typeof v === "number");
  return present.length ? sum(present) / present.length : null;
}

function Charts(): VNode {
  const minute = useMinute();
  const chart = useResource<Chart>("chart", minute);
  const series = useMemo(() => {
    const minutes = chart.data?.minutes ?? [];
    return {
      x: minutes.map((m) => Date.parse(m.at) / 1000),
      succeeded: minutes.map((m) => m.succeeded),
      failed: minutes.map((m) => m.failed),
      runMs: minutes.map((m) => m.runMs),
      waitMs: minutes.map((m) => m.waitMs),
    };
  }, [chart.data]);
  if (!chart.data) return chart.error ? html`<${ErrorNote} text=${chart.error} />` : html`<${Loading} />`;
  const run = average(series.runMs);
  const wait = average(series.waitMs);
  return html`<div class="charts">
    <${LineChart} title="Throughput" unit="count"
      summary=${`per minute, last hour: ${count(sum(series.succeeded))} succeeded, ${count(sum(series.failed))} failed`}
      lines=${[{ label: "succeeded", color: "--ok" }, { label: "failed", color: "--bad" }]}
      x=${series.x} ys=${[series.succeeded, series.failed]} />
    <${LineChart} title="Latency" unit="ms"
      summary=${`average per minute: run ${run === null ? "—" : duration(run)}, wait ${wait === null ? "—" : duration(wait)}`}
      lines=${[{ label: "run", color: "--accent" }, { label: "wait", color: "--warn" }]}
      x=${series.x} ys=${[series.runMs, series.waitMs]} />
  </div>`;
}

function running(q: QueueSummary): string {
  return q.concurrencyLimit === null ? count(q.running) : `${count(q.running)} / ${count(q.concurrencyLimit)}`;
}

function QueueRow(props: { q: QueueSummary }): VNode {
  const q = props.q;
  const name = encodeURIComponent(q.queue);
  const toggle = async () => {
    await postAction(`queues/${name}/${q.paused ? "resume" : "pause"}`);
    await refreshOverview();
    return `Queue ${q.queue} ${q.paused ? "resumed" : "paused"}.`;
  };
  return html`<tr data-testid="queue-row">
    <th scope="row">${q.queue}${q.groups > 0
      ? html` <span class="muted small" title="Groups with jobs, and the running limit per group">${count(q.groups)} groups${q.groupConcurrency === null ? "" : ` ≤ ${q.groupConcurrency}`}</span>`
      : null}</th>
    <td class="num">${count(q.queued)}</td>
    <td class="num">${count(q.scheduled)}</td>
    <td class="num">${running(q)}</td>
    <td class="num">${q.failed > 0 ? html`<a href=${href("/jobs/failed")}>${count(q.failed)}</a>` : "0"}</td>
    <td class="num">${count(q.doneLastMinute)}</td>
    <td class="num">${count(q.doneLastHour)}</td>
    <td class="num">${q.waitMsLastHour === null ? "—" : duration(q.waitMsLastHour)}</td>
    <td class="num">${q.runMsLastHour === null ? "—" : duration(q.runMsLastHour)}</td>
    <td class="num">${q.oldestMs === null ? "—" : duration(q.oldestMs)}</td>
    <td class="num">${count(q.consumers)}</td>
    <td class="actions">
      ${q.paused ? html`<${Badge} text="paused" kind="warn" /> ` : html`<${Badge} text="active" kind="ok" /> `}
      <${ActionButton} label=${q.paused ? "Resume" : "Pause"} run=${toggle}
        title=${q.paused ? `Let workers take jobs from ${q.queue} again` : `Stop workers taking jobs from ${q.queue}`} />
    </td>
  </tr>`;
}

/** The overview page. */
export function OverviewPage(): VNode {
  const data = useStore(overview);
  const error = useStore(overviewError);
  if (!data) return error ? html`<${ErrorNote} text=${error} />` : html`<${Loading} />`;
  const alive = data.workers.filter((w) => w.alive);
  const concurrency = alive.reduce((total, w) => total + w.concurrency, 0);
  return html`<section>
    <h1>Overview</h1>
    <${ErrorNote} text=${error} />
    <h2>Queues</h2>
    <${TableBox} label="Queues" testid="queues">
      <thead><tr>
        <th scope="col">Queue</th><th scope="col" class="num">Ready</th><th scope="col" class="num">Scheduled</th>
        <th scope="col" class="num">Running</th><th scope="col" class="num">Failed</th>
        <th scope="col" class="num">Done 1 min</th><th scope="col" class="num">Done 1 h</th>
        <th scope="col" class="num" title="Average time a due job waited for a worker, last hour">Wait</th>
        <th scope="col" class="num" title="Average run time, last hour">Run</th>
        <th scope="col" class="num" title="How long the oldest ready job has waited">Oldest ready</th>
        <th scope="col" class="num">Consumers</th><th scope="col">State</th>
      </tr></thead>
      <tbody>
        ${data.queues.length === 0
          ? html`<tr><td colspan="12" class="muted">No queue has jobs or workers yet.</td></tr>`
          : data.queues.map((q) => html`<${QueueRow} key=${q.queue} q=${q} />`)}
      </tbody>
    <//>
    <h2>Last hour</h2>
    <${Charts} />
    <h2>Workers</h2>
    <p>
      <a href=${href("/workers")}><strong>${count(alive.length)}</strong> alive</a>
      ${data.workers.length > alive.length ? html`, ${count(data.workers.length - alive.length)} not responding` : null}
      ${alive.length ? html` <span class="muted">· ${count(concurrency)} slots in all</span>` : null}
    </p>
  </section>`;
}
