/**
 * The sections of a job's page, each from one part of `GET /api/jobs/:id`:
 * what was sent, how it ended, its attempts, its place in a workflow and its
 * events.
 */
import type { VNode } from "preact";
import { Badge, Json, ProgressBar, progressOf, TableBox, Time, TimeBoth } from "../components.ts";
import { absolute, brief, shortId } from "../format.ts";
import { html } from "../html.ts";
import { jobHref } from "../router.ts";
import type { AttemptError, Interruption, JobDetail, TaskMessage } from "../types.ts";

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value as object).length === 0;
}

/** Arguments and keyword arguments as sent (redacted by the server where configured). */
export function ArgumentsSection(props: { message: TaskMessage | null; finished: boolean }): VNode | null {
  const message = props.message;
  if (!message) {
    // Only a waiting, running or failed job keeps its message (a failure, so it can be retried).
    return props.finished
      ? html`<section class="card"><h2>Arguments</h2><p class="muted">Not kept once a job ends other than by failing.</p></section>`
      : null;
  }
  const { args, kwargs, ...rest } = message;
  return html`<section class="card">
    <h2>Arguments</h2>
    <${Json} value=${args ?? []} />
    ${isEmpty(kwargs) ? null : html`<h3>Keyword arguments</h3><${Json} value=${kwargs} />`}
    ${isEmpty(rest) ? null : html`<details><summary>Whole message</summary><${Json} value=${rest} /></details>`}
  </section>`;
}

/** The progress a running task reported (ctx.progress), as JSON and, when it says a fraction, a bar. */
export function ProgressSection(props: { meta: unknown }): VNode | null {
  if (props.meta === null || props.meta === undefined) return null;
  const fraction = progressOf(props.meta);
  return html`<section class="card">
    <h2>Progress</h2>
    ${fraction === null ? null : html`<${ProgressBar} fraction=${fraction} />`}
    <${Json} value=${props.meta} />
  </section>`;
}

/** The value a job returned, or the error it ended with. */
export function OutcomeSection(props: { detail: JobDetail }): VNode | null {
  const result = props.detail.result;
  if (!result) return null;
  if (!result.error) {
    return html`<section class="card"><h2>Result</h2><${Json} value=${result.value ?? null} /></section>`;
  }
  const error = result.error;
  return html`<section class="card">
    <h2>Error</h2>
    <p class="error-line"><strong>${error.type}</strong>${error.code ? html` <span class="muted mono">${error.code}</span>` : null}</p>
    <pre class="json">${error.message}</pre>
    ${error.stack ? html`<details><summary>Stack trace</summary><pre class="json">${error.stack}</pre></details>` : null}
  </section>`;
}

type HistoryEntry =
  | { kind: "error"; attempt: number; at: string; entry: AttemptError }
  | { kind: "interruption"; attempt: number; at: string; entry: Interruption };

/** Every failed attempt and every hand-back by a stopping worker, oldest first. */
export function HistorySection(props: { errors: AttemptError[]; interruptions: Interruption[] }): VNode | null {
  const entries: HistoryEntry[] = [
    ...props.errors.map((entry) => ({ kind: "error" as const, attempt: entry.attempt, at: entry.at, entry })),
    ...props.interruptions.map((entry) => ({ kind: "interruption" as const, attempt: entry.attempt, at: entry.at, entry })),
  ].sort((a, b) => a.attempt - b.attempt || Date.parse(a.at) - Date.parse(b.at));
  if (entries.length === 0) return null;
  return html`<section class="card wide">
    <h2>Attempt history</h2>
    <${TableBox} label="Attempt history">
      <thead><tr><th scope="col" class="num">Attempt</th><th scope="col">When</th><th scope="col">What</th><th scope="col">Detail</th></tr></thead>
      <tbody>${entries.map((e) => html`<tr>
        <td class="num">${e.attempt}</td>
        <td><${Time} at=${e.at} /></td>
        ${e.kind === "error"
          ? html`<td><${Badge} text="failed" kind="bad" /> <strong>${e.entry.type}</strong></td><td class="wrap">${e.entry.message}</td>`
          : html`<td><${Badge} text="interrupted" kind="warn" /> ${e.entry.reason}</td><td class="mono small">${e.entry.worker}</td>`}
      </tr>`)}</tbody>
    <//>
  </section>`;
}

function JobRef(props: { id: string; label?: string }): VNode {
  return html`<a class="mono" href=${jobHref(props.id)} title=${props.id}>${props.label ?? shortId(props.id)}</a>`;
}

/** Where the job sits in a workflow: the job that sent it, the workflow's root, its chord, the jobs it sent. */
export function WorkflowSection(props: { detail: JobDetail }): VNode | null {
  const { id, chord, children, result } = props.detail;
  const parent = result?.parentId && result.parentId !== id ? result.parentId : null;
  const root = result?.rootId && result.rootId !== id ? result.rootId : null;
  if (!parent && !root && !chord && children.length === 0) return null;
  return html`<section class="card">
    <h2>Workflow</h2>
    <dl class="facts">
      ${root ? html`<dt>Root</dt><dd><${JobRef} id=${root} /></dd>` : null}
      ${parent ? html`<dt>Parent</dt><dd><${JobRef} id=${parent} /></dd>` : null}
      ${chord
        ? html`<dt>Chord</dt><dd>${chord.role} of <${JobRef} id=${chord.id} /> · ${chord.state} · ${chord.done} / ${chord.total} done</dd>`
        : null}
    </dl>
    ${children.length
      ? html`<h3>Jobs it sent</h3>
        <ul class="tree">${children.map((c) => html`<li key=${c.id}>
          <${JobRef} id=${c.id} /> ${c.task ?? html`<span class="muted">unknown task</span>`} <${Badge} text=${c.state} />
        </li>`)}</ul>`
      : null}
  </section>`;
}

/** The job's recorded events, in the order they were recorded. */
export function EventsSection(props: { detail: JobDetail }): VNode {
  const events = props.detail.events;
  return html`<section class="card wide">
    <h2>Events</h2>
    ${events.length === 0
      ? html`<p class="muted">None recorded yet. Workers record events when started with <code>-E</code>.</p>`
      : html`<${TableBox} label="Events">
        <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Worker</th><th scope="col">Data</th></tr></thead>
        <tbody>${events.map((e) => html`<tr key=${e.id}>
          <td><time datetime=${e.at}>${absolute(e.at)}</time></td>
          <td>${e.type}</td>
          <td class="mono small">${e.worker ?? "—"}</td>
          <td class="mono small clip" title=${brief(e.data, 2000)}>${isEmpty(e.data) ? "" : brief(e.data)}</td>
        </tr>`)}</tbody>
      <//>`}
  </section>`;
}

/** Exact times of the job's life, each also relative to now. */
export function TimesList(props: { detail: JobDetail }): VNode {
  const { job, result } = props.detail;
  const rows: [string, string | null | undefined][] = [
    ["Sent", job?.createdAt ?? result?.sentAt],
    ["Due", job?.runAt],
    ["Started", job?.startedAt ?? result?.startedAt],
    ["Lease until", job?.leaseUntil],
    ["Finished", result?.finishedAt],
    ["Expires", job?.expiresAt],
    ["Result kept until", result?.expiresAt],
  ];
  return html`${rows.filter(([, at]) => at).map(([label, at]) => html`<dt>${label}</dt><dd><${TimeBoth} at=${at} /></dd>`)}`;
}
