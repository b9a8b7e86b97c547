/**
 * `#/jobs/<id>`: one job, kept current without polling of its own. It is
 * read again when the stream carries an event of this job, and on overview
 * ticks: each one until the job is final (events are recorded only by
 * workers started with -E, so the tick is what moves the page otherwise),
 * every fifth once it is (a retry made elsewhere then shows within seconds).
 */
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { deleteJob, retryJob, revokeJob } from "../actions.ts";
import { ActionButton, Badge, ErrorNote, Loading } from "../components.ts";
import { count } from "../format.ts";
import { html } from "../html.ts";
import { useTick, useTqEvents } from "../live.ts";
import { useResource } from "../resource.ts";
import { FINAL_STATES, type JobDetail } from "../types.ts";
import { ArgumentsSection, EventsSection, HistorySection, OutcomeSection, ProgressSection, TimesList, WorkflowSection } from "./job_sections.ts";

/** Overview ticks between reads of a finished job: about 10 s. */
const FINAL_EVERY = 5;

/** The refresh key of a job: bumped by its events, by each tick while it is not final, and by every fifth once it is. */
function useJobRefresh(id: string, final: { current: boolean }): number {
  const [key, setKey] = useState(0);
  const tick = useTick();
  const first = useRef(tick);
  useEffect(() => {
    if (tick !== first.current && (!final.current || tick % FINAL_EVERY === 0)) setKey((k) => k + 1);
  }, [tick]);
  useTqEvents((event) => {
    if (event.taskId === id) setKey((k) => k + 1);
  });
  return key;
}

function attempts(detail: JobDetail): string {
  const { job, result } = detail;
  if (job) {
    const charged = job.attempt - job.uncharged;
    return job.maxAttempts ? `${count(charged)} of ${count(job.maxAttempts)}` : count(charged);
  }
  return result ? count(result.attempts) : "—";
}

function Actions(props: { detail: JobDetail; reload: () => void }): VNode {
  const { id, state, result } = props.detail;
  const then = (action: (id: string) => Promise<string>) => async () => {
    const said = await action(id);
    props.reload();
    return said;
  };
  return html`<div class="toolbar">
    ${state === "FAILURE" ? html`<${ActionButton} label="Retry" testid="retry" run=${then(retryJob)} title="Run this job again" />` : null}
    ${state === "PENDING" || state === "STARTED" || state === "RETRY"
      ? html`<${ActionButton} label="Revoke" danger testid="revoke" run=${then(revokeJob)}
          confirm=${`Revoke job ${id}? A queued job will not run; a running one is stopped.`} />`
      : null}
    ${result && FINAL_STATES.includes(state)
      ? html`<${ActionButton} label="Delete" danger testid="delete" run=${then(deleteJob)}
          confirm=${`Delete the stored result of job ${id}?`} />`
      : null}
  </div>`;
}

function Summary(props: { detail: JobDetail }): VNode {
  const { job, result } = props.detail;
  const queue = job?.queue ?? result?.queue;
  const worker = job?.worker ?? result?.worker;
  return html`<section class="card">
    <dl class="facts">
      <dt>Task</dt><dd>${props.detail.task ?? html`<span class="muted">unknown</span>`}</dd>
      <dt>Queue</dt><dd>${queue ?? "—"}</dd>
      ${job?.group ? html`<dt>Group</dt><dd>${job.group}</dd>` : null}
      ${job ? html`<dt>Priority</dt><dd>${job.priority}</dd>` : null}
      <dt>Attempts</dt><dd>${attempts(props.detail)}</dd>
      ${worker ? html`<dt>Worker</dt><dd class="mono">${worker}</dd>` : null}
      ${job?.revoke ? html`<dt>Revoke</dt><dd><${Badge} text=${`${job.revoke} requested`} kind="warn" /></dd>` : null}
      <${TimesList} detail=${props.detail} />
    </dl>
  </section>`;
}

/** The job page (one instance per id: App keys it, so nothing of another job lingers). */
export function JobPage(props: { id: string }): VNode {
  const final = useRef(false);
  const key = useJobRefresh(props.id, final);
  const res = useResource<JobDetail>(`jobs/${encodeURIComponent(props.id)}`, key);
  const detail = res.data;
  final.current = !!detail && FINAL_STATES.includes(detail.state);

  if (!detail) {
    return html`<section>
      <h1>Job <span class="mono small">${props.id}</span></h1>
      ${res.status === 404
        ? html`<p class="error-note" role="alert">${res.error} <span class="muted">(The page keeps looking, in case it was just sent.)</span></p>`
        : res.error ? html`<${ErrorNote} text=${res.error} />` : html`<${Loading} />`}
    </section>`;
  }
  const job = detail.job;
  const result = detail.result;
  return html`<section>
    <h1 class="job-title">
      <${Badge} text=${detail.state} testid="job-state" />
      <span>${detail.task ?? "job"}</span>
      <span class="mono small muted">${detail.id}</span>
    </h1>
    <${ErrorNote} text=${res.error} />
    <${Actions} detail=${detail} reload=${res.reload} />
    <div class="job-grid">
      <${Summary} detail=${detail} />
      <${ProgressSection} meta=${job?.meta ?? result?.meta ?? null} />
      <${OutcomeSection} detail=${detail} />
      <${ArgumentsSection} message=${job?.message ?? result?.message ?? null} finished=${!job && !!result} />
      <${HistorySection} errors=${job?.errors ?? result?.errors ?? []} interruptions=${job?.interruptions ?? result?.interruptions ?? []} />
      <${WorkflowSection} detail=${detail} />
      <${EventsSection} detail=${detail} />
    </div>
  </section>`;
}
