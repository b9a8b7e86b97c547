/**
 * `#/workers`: every registered worker as its last heartbeat described it,
 * with the jobs it runs now. The workers come with the stream's overview;
 * their jobs are the first page of the active list, read at each tick.
 */
import type { VNode } from "preact";
import { Badge, ErrorNote, Loading, TableBox, Time } from "../components.ts";
import { count, shortId } from "../format.ts";
import { html } from "../html.ts";
import { overview, overviewError, useTick } from "../live.ts";
import { useResource } from "../resource.ts";
import { jobHref } from "../router.ts";
import { useStore } from "../store.ts";
import type { JobList, LiveJobItem, WorkerRecord } from "../types.ts";

function slots(w: WorkerRecord): string {
  const parts = [count(w.concurrency)];
  if (w.pool) parts.push(w.pool);
  if (w.prefetch !== null && w.prefetch !== undefined) parts.push(`prefetch ${w.prefetch}`);
  return parts.join(" · ");
}

/** Links to the jobs a worker runs now (of the first 100 running, longest running first). */
function RunningJobs(props: { jobs: LiveJobItem[] }): VNode | null {
  if (props.jobs.length === 0) return null;
  return html`<div class="small">${props.jobs.map((job, i) => html`${i ? ", " : ""}<a href=${jobHref(job.id)}>${job.task} ${shortId(job.id)}</a>`)}</div>`;
}

function WorkerRow(props: { w: WorkerRecord; jobs: LiveJobItem[] }): VNode {
  const w = props.w;
  return html`<tr>
    <th scope="row"><span class="mono">${w.id}</span><div class="muted small">${w.app}</div><${RunningJobs} jobs=${props.jobs} /></th>
    <td>${w.alive ? html`<${Badge} text="alive" kind="ok" />` : html`<${Badge} text="dead" kind="bad" />`}</td>
    <td>${w.host}</td>
    <td class="num">${w.pid}</td>
    <td>${w.queues.join(", ")}</td>
    <td>${slots(w)}</td>
    <td class="num">${count(w.running)}</td>
    <td class="num">${count(w.succeeded)}</td>
    <td class="num">${count(w.failed)}</td>
    <td class="num">${count(w.retried)}</td>
    <td><${Time} at=${w.heartbeatAt} /></td>
    <td><${Time} at=${w.startedAt} /></td>
    <td>${w.version}${w.events ? html` <span class="muted small" title="Sends task events (-E)">events</span>` : null}</td>
  </tr>`;
}

/** The workers page. */
export function WorkersPage(): VNode {
  const data = useStore(overview);
  const error = useStore(overviewError);
  const active = useResource<JobList<LiveJobItem>>("jobs?list=active&limit=100", useTick());
  const jobsOf = (id: string) => (active.data?.items ?? []).filter((job) => job.worker === id);
  if (!data) return error ? html`<${ErrorNote} text=${error} />` : html`<${Loading} />`;
  const workers = [...data.workers].sort((a, b) => Number(b.alive) - Number(a.alive) || a.id.localeCompare(b.id));
  const alive = workers.filter((w) => w.alive).length;
  return html`<section>
    <h1>Workers <span class="muted small">${count(alive)} alive of ${count(workers.length)}</span></h1>
    <${ErrorNote} text=${error} />
    <${TableBox} label="Workers">
      <thead><tr>
        <th scope="col">Worker</th><th scope="col">Status</th><th scope="col">Host</th><th scope="col" class="num">PID</th>
        <th scope="col">Queues</th><th scope="col">Concurrency</th><th scope="col" class="num">Running</th>
        <th scope="col" class="num">Succeeded</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Retried</th>
        <th scope="col">Heartbeat</th><th scope="col">Started</th><th scope="col">Version</th>
      </tr></thead>
      <tbody>
        ${workers.length === 0
          ? html`<tr><td colspan="13" class="muted">No worker has registered. Start one with <code>tq worker -A app.ts</code>.</td></tr>`
          : workers.map((w) => html`<${WorkerRow} key=${w.id} w=${w} jobs=${jobsOf(w.id)} />`)}
      </tbody>
    <//>
  </section>`;
}
