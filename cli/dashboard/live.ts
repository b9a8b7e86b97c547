/**
 * The dashboard's live updates: one Server-Sent Events stream per open page,
 * all fed by one loop per dashboard process, so ten open tabs cost the
 * database what one does. The loop runs only while a page is open: it tails
 * tq's event stream (woken by its notification, polled each second where
 * notifications do not arrive) and pushes a fresh overview every two seconds
 * (less often when counting the queues takes long), which is also what pages
 * use when workers send no events (`-E` off).
 */
import type { App } from "../../mod.ts";
import { Alarm } from "../../core/alarm.ts";

/** SSE messages: `tq` (a stored event), `overview` (as GET /api/overview), `problem` (the database could not be read). */
type Kind = "tq" | "overview" | "problem";

const OVERVIEW_MS = 2_000;
const EVENT_POLL_MS = 1_000;
const EVENTS_PER_READ = 500;
const RETRY_MS = 2_000;

const encoder = new TextEncoder();

/** Streams events and overviews to every open page. */
export class LiveFeed {
  readonly #clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  #loop?: Promise<void>;
  readonly #alarm = new Alarm();
  #nextOverview = 0;
  #closed = false;

  constructor(private readonly app: App, private readonly overview: () => Promise<unknown>) {}

  /** The response of GET /api/stream: an event stream that lasts until the page closes it. */
  response(): Response {
    let client: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        client = controller;
        this.#clients.add(controller);
        controller.enqueue(encoder.encode(": tq live\n\n"));
        // A new page gets an overview at once.
        this.#nextOverview = 0;
        this.#alarm.wake();
        this.#loop ??= this.#run().finally(() => (this.#loop = undefined));
      },
      cancel: () => {
        this.#clients.delete(client);
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
  }

  /** Ends every stream and the loop. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const client of this.#clients) {
      try {
        client.close();
      } catch { /* already closed by the page */ }
    }
    this.#clients.clear();
    this.#alarm.wake();
    await this.#loop;
  }

  #send(kind: Kind, data: unknown): void {
    const chunk = encoder.encode(`event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`);
    for (const client of this.#clients) {
      try {
        client.enqueue(chunk);
      } catch {
        this.#clients.delete(client);
      }
    }
  }

  async #run(): Promise<void> {
    let cursor: number | undefined;
    let unwatch: (() => Promise<void>) | undefined;
    while (!this.#closed && this.#clients.size > 0) {
      try {
        cursor ??= await this.app.inspect.eventCursor();
        unwatch ??= await this.app.inspect.watchEvents(() => this.#alarm.wake());
        if (performance.now() >= this.#nextOverview) {
          const started = performance.now();
          const overview = await this.overview();
          // Counting a queue of millions takes a while: then the overview comes less often, so it never takes more than a tenth of the time.
          this.#nextOverview = performance.now() + Math.max(OVERVIEW_MS, (performance.now() - started) * 10);
          this.#send("overview", overview);
        }
        const events = await this.app.inspect.eventsAfter(cursor, EVENTS_PER_READ);
        for (const event of events) this.#send("tq", event);
        if (events.length > 0) cursor = events[events.length - 1].id;
        if (events.length === EVENTS_PER_READ) continue;
        await this.#alarm.sleep(Math.min(EVENT_POLL_MS, Math.max(0, this.#nextOverview - performance.now())));
      } catch (error) {
        this.#send("problem", { error: `The dashboard cannot read the database: ${(error as Error)?.message ?? error}. It keeps trying.` });
        await this.#alarm.sleep(RETRY_MS);
      }
    }
    await unwatch?.().catch(() => {});
  }
}
