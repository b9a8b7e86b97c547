/**
 * `#/jobs/active`, `#/jobs/scheduled`, `#/jobs/failed`: a page of jobs at a
 * time, read again on each overview tick. The server lists only the first
 * 1000 of each, which the page says when it reaches them.
 */
import type { VNode } from "preact";
import { deleteJob, retryJob } from "../actions.ts";
import { ActionButton, Badge, ErrorNote, Loading, TableBox, Time } from "../components.ts";
import { brief, count, shortId } from "../format.ts";
import { html } from "../html.ts";
import { useTick } from "../live.ts";
import { useResource } from "../resource.ts";
import { href, jobHref } from "../router.ts";
import type { FailedJobItem, JobList, ListName, LiveJobItem } from "../types.ts";

const PAGE = 50;

const TITLES: Record<ListName, string> = { active: "Active jobs", scheduled: "Scheduled jobs", failed: "Failed jobs" };

const EMPTY: Record<ListName, string> = {
  active: "No job is ready or running.",
  scheduled: "No job waits for a later time.",
  failed: "No failed job is stored.",
};

function JobLink(props: { id: string }): VNode {
  return html`<a class="mono" href=${jobHref(props.id)} title=${props.id}>${shortId(props.id)}</a>`;
}

function LiveRows(props: { items: LiveJobItem[]; list: ListName }): VNode {
  return html`
    <thead><tr>
      <th scope="col">Job</th><th scope="col">Task</th><th scope="col">Queue</th><th scope="col">State</th>
      <th scope="col" class="num">Priority</th><th scope="col" class="num">Attempt</th>
      <th scope="col">${props.list === "scheduled" ? "Runs" : "Due"}</th><th scope="col">Started</th>
      <th scope="col">Worker</th><th scope="col">Arguments</th>
    </tr></thead>
    <tbody>${props.items.map((j) => html`<tr key=${j.id}>
      <td><${JobLink} id=${j.id} /></td>
      <td>${j.task}</td>
      <td>${j.queue}</td>
      <td><${Badge} text=${j.state} kind=${j.state === "running" ? "started" : "pending"} /></td>
      <td class="num">${j.priority}</td>
      <td class="num">${j.attempt}${j.retries ? html`<span class="muted" title="Retries so far"> (${j.retries} retried)</span>` : null}</td>
      <td><${Time} at=${j.runAt} /></td>
      <td><${Time} at=${j.startedAt} /></td>
      <td class="mono small">${j.worker ?? html`<span class="muted">—</span>`}</td>
      <td class="mono small clip" title=${brief(j.args, 2000)}>${brief(j.args)}</td>
    </tr>`)}</tbody>`;
}

function FailedRows(props: { items: FailedJobItem[]; reload: () => void }): VNode {
  const after = (action: (id: string) => Promise<string>, id: string) => async () => {
    const said = await action(id);
    props.reload();
    return said;
  };
  return html`
    <thead><tr>
      <th scope="col">Job</th><th scope="col">Task</th><th scope="col">Queue</th><th scope="col" class="num">Attempts</th>
      <th scope="col">Failed</th><th scope="col">Error</th><th scope="col">Actions</th>
    </tr></thead>
    <tbody>${props.items.map((j) => html`<tr key=${j.id}>
      <td><${JobLink} id=${j.id} /></td>
      <td>${j.task}</td>
      <td>${j.queue ?? "—"}</td>
      <td class="num">${j.attempts}</td>
      <td><${Time} at=${j.finishedAt} /></td>
      <td class="clip" title=${j.errorMessage ?? ""}><strong>${j.errorType ?? "Error"}</strong> ${j.errorMessage ?? ""}</td>
      <td class="actions">
        <${ActionButton} label="Retry" run=${after(retryJob, j.id)} title="Run this job again" />
        <${ActionButton} label="Delete" danger run=${after(deleteJob, j.id)} confirm=${`Delete the stored result of job ${j.id}?`} />
      </td>
    </tr>`)}</tbody>`;
}

function Pager(props: { list: ListName; page: JobList }): VNode {
  const { offset, limit, more, cap, items } = props.page;
  const base = `/jobs/${props.list}`;
  const prev = Math.max(0, offset - limit);
  const capped = offset + items.length >= cap;
  return html`<nav class="pager" aria-label="Pages">
    ${offset > 0
      ? html`<a class="button" href=${href(prev ? `${base}?offset=${prev}` : base)} rel="prev">← Prev</a>`
      : html`<span class="button" aria-disabled="true">← Prev</span>`}
    <span>${items.length ? `${count(offset + 1)}–${count(offset + items.length)}` : "none"}</span>
    ${more && !capped
      ? html`<a class="button" href=${href(`${base}?offset=${offset + limit}`)} rel="next">Next →</a>`
      : html`<span class="button" aria-disabled="true">Next →</span>`}
    ${capped ? html`<span class="muted">first ${count(cap)} only</span>` : null}
  </nav>`;
}

/** A list page. */
export function JobsListPage(props: { list: ListName; offset: number }): VNode {
  const tick = useTick();
  const page = useResource<JobList>(`jobs?list=${props.list}&offset=${props.offset}&limit=${PAGE}`, tick);
  const data = page.data;
  return html`<section>
    <h1>${TITLES[props.list]}</h1>
    <${ErrorNote} text=${page.error} />
    ${!data
      ? page.error ? null : html`<${Loading} />`
      : data.items.length === 0 && data.offset === 0
      ? html`<p class="muted">${EMPTY[props.list]}</p>`
      : html`
        <${TableBox} label=${TITLES[props.list]} testid="jobs">
          ${props.list === "failed"
            ? html`<${FailedRows} items=${data.items as FailedJobItem[]} reload=${page.reload} />`
            : html`<${LiveRows} items=${data.items as LiveJobItem[]} list=${props.list} />`}
        <//>
        <${Pager} list=${props.list} page=${data} />`}
  </section>`;
}
