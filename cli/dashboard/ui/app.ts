/**
 * The whole page: the header and the page the hash names. Each job page is
 * keyed by its id, so going from one job to another starts clean.
 */
import type { VNode } from "preact";
import { useEffect } from "preact/hooks";
import { Header } from "./header.ts";
import { html } from "./html.ts";
import { GO_KEYS } from "./keys.ts";
import { JobPage } from "./pages/job.ts";
import { JobsListPage } from "./pages/jobs_list.ts";
import { OverviewPage } from "./pages/overview.ts";
import { SchedulesPage } from "./pages/schedules.ts";
import { WorkersPage } from "./pages/workers.ts";
import { href, type Route, useRoute } from "./router.ts";

function title(route: Route): string {
  switch (route.page) {
    case "overview":
      return "Overview";
    case "workers":
      return "Workers";
    case "list":
      return `${route.list[0].toUpperCase()}${route.list.slice(1)} jobs`;
    case "job":
      return `Job ${route.id.slice(0, 8)}`;
    case "schedules":
      return "Schedules";
    case "missing":
      return "Not found";
  }
}

function Page(props: { route: Route }): VNode {
  const route = props.route;
  switch (route.page) {
    case "overview":
      return html`<${OverviewPage} />`;
    case "workers":
      return html`<${WorkersPage} />`;
    case "list":
      return html`<${JobsListPage} key=${route.list} list=${route.list} offset=${route.offset} />`;
    case "job":
      return html`<${JobPage} key=${route.id} id=${route.id} />`;
    case "schedules":
      return html`<${SchedulesPage} />`;
    case "missing":
      return html`<section><h1>Not found</h1><p>No page at <code>${route.path}</code>. <a href=${href("/")}>Go to the overview</a>.</p></section>`;
  }
}

function Footer(): VNode {
  return html`<footer class="keys muted small">
    Keys: <kbd>/</kbd> job id · ${Object.entries(GO_KEYS).map(([key, go]) => html`<span><kbd>g</kbd> <kbd>${key}</kbd> ${go.label} </span>`)}
  </footer>`;
}

/** The dashboard. */
export function App(): VNode {
  const route = useRoute();
  useEffect(() => {
    document.title = `${title(route)} · tq dashboard`;
  }, [route]);
  return html`
    <${Header} route=${route} />
    <main id="main" tabindex="-1"><${Page} route=${route} /></main>
    <${Footer} />`;
}
