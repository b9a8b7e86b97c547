/**
 * OpenTelemetry traces (docs/observability.md): the span active when a task
 * is sent is the parent of the worker's span for its run, through retries
 * and chain steps; a run's span records the task, attempt and outcome; and
 * with no span active, messages carry no trace context. Spans are collected
 * by the SDK's in-memory exporter; the trace context is also read back from
 * the stored message.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { chain, type TaskContext, Worker } from "../mod.ts";
import { parseTraceparent } from "../core/tracing.ts";
import { fileURLToPath } from "node:url";
import { disposeApp, dropSchema, eventually, producerApp, runCli, testApp, uniqueSchema } from "./_helpers.ts";

const TRACED_TASKS = fileURLToPath(new URL("./fixtures/traced_tasks.ts", import.meta.url));

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

before(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
});

after(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

function tracedApp(prefix: string) {
  const app = testApp(prefix);
  const echo = app.task("echo", (value: string) => value);
  const double = app.task("double", (value: string) => `${value}${value}`);
  const flaky = app.task({ name: "flaky", maxRetries: 2 }, function (this: TaskContext, value: string) {
    if (this.retries === 0) throw this.retry({ countdown: 0 });
    return value;
  });
  return { app, echo, double, flaky };
}

function runSpans(task: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.name === `run ${task}`);
}

/** Sends under a span of its own, so the test knows the trace and the parent. */
async function underSpan<T>(name: string, send: () => Promise<T>): Promise<{ sent: T; traceId: string; spanId: string }> {
  return await trace.getTracer("test").startActiveSpan(name, async (span) => {
    try {
      const sent = await send();
      return { sent, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
    } finally {
      span.end();
    }
  });
}

test("the span active on send is the parent of the worker's span for the run", async () => {
  const { app, echo } = tracedApp("trace_parent");
  const worker = new Worker(app, { concurrency: 2 });
  try {
    const { sent, traceId, spanId } = await underSpan("http request", () => echo.delay("hello"));
    // The stored message carries the sender's span as W3C trace context.
    const message = (await app.inspect.job(sent.id)).job?.message as { origin: { traceparent?: string } };
    assert.deepEqual(parseTraceparent(message.origin.traceparent), { traceId, spanId, traceFlags: 1, isRemote: true });
    await worker.start();
    assert.equal(await sent.get({ timeout: 10_000 }), "hello");
    await eventually(() => runSpans("echo").some((s) => s.attributes["messaging.message.id"] === sent.id), 5_000, "the run's span");
    const span = runSpans("echo").find((s) => s.attributes["messaging.message.id"] === sent.id)!;
    assert.equal(span.spanContext().traceId, traceId);
    assert.equal(span.parentSpanContext?.spanId, spanId);
    assert.equal(span.attributes["tq.task.name"], "echo");
    assert.equal(span.attributes["tq.task.attempt"], 1);
    assert.equal(span.attributes["tq.task.outcome"], "SUCCESS");
    assert.equal(span.attributes["messaging.destination.name"], "default");
  } finally {
    await worker.stop();
    await disposeApp(app);
  }
});

test("each attempt of a retried task is a span under the same parent, with its outcome", async () => {
  const { app, flaky } = tracedApp("trace_retry");
  const worker = new Worker(app, { concurrency: 2 });
  try {
    await worker.start();
    const { sent, traceId, spanId } = await underSpan("retrying send", () => flaky.delay("x"));
    assert.equal(await sent.get({ timeout: 10_000 }), "x");
    await eventually(() => runSpans("flaky").filter((s) => s.attributes["messaging.message.id"] === sent.id).length === 2, 5_000, "two spans");
    const spans = runSpans("flaky").filter((s) => s.attributes["messaging.message.id"] === sent.id)
      .sort((a, b) => Number(a.attributes["tq.task.attempt"]) - Number(b.attributes["tq.task.attempt"]));
    assert.deepEqual(spans.map((s) => s.attributes["tq.task.outcome"]), ["RETRY", "SUCCESS"]);
    assert.deepEqual(spans.map((s) => s.attributes["tq.task.attempt"]), [1, 2]);
    for (const span of spans) {
      assert.equal(span.spanContext().traceId, traceId);
      assert.equal(span.parentSpanContext?.spanId, spanId);
    }
    assert.equal(spans[0].status.code, 2, "the retried attempt's span is an error");
  } finally {
    await worker.stop();
    await disposeApp(app);
  }
});

test("a chain's next step is a child of the step before it, all in the sender's trace", async () => {
  const { app, echo, double } = tracedApp("trace_chain");
  const worker = new Worker(app, { concurrency: 2 });
  try {
    await worker.start();
    const { sent, traceId, spanId } = await underSpan("chain send", () => chain(echo.s("ab"), double.s(), double.s()).delay());
    assert.equal(await sent.get({ timeout: 10_000 }), "abababab");
    await eventually(() => runSpans("double").filter((s) => s.spanContext().traceId === traceId).length === 2, 5_000, "the chain's spans");
    const first = runSpans("echo").find((s) => s.spanContext().traceId === traceId)!;
    assert.equal(first.parentSpanContext?.spanId, spanId);
    const doubles = runSpans("double").filter((s) => s.spanContext().traceId === traceId);
    const second = doubles.find((s) => s.parentSpanContext?.spanId === first.spanContext().spanId);
    assert.ok(second, "the second step's run is a child of the first step's run");
    const third = doubles.find((s) => s.parentSpanContext?.spanId === second.spanContext().spanId);
    assert.ok(third, "the third step's run is a child of the second step's run");
  } finally {
    await worker.stop();
    await disposeApp(app);
  }
});

test("a task sent with no span active carries no trace context, and its run starts a new trace", async () => {
  const { app, echo } = tracedApp("trace_none");
  const worker = new Worker(app, { concurrency: 2 });
  try {
    const sent = await echo.delay("plain");
    const report = await app.inspect.job(sent.id);
    const message = report.job?.message as { origin: Record<string, unknown> };
    assert.deepEqual(Object.keys(message.origin).sort(), ["host", "pid"]);
    await worker.start();
    assert.equal(await sent.get({ timeout: 10_000 }), "plain");
    await eventually(() => runSpans("echo").some((s) => s.attributes["messaging.message.id"] === sent.id), 5_000, "the run's span");
    const span = runSpans("echo").find((s) => s.attributes["messaging.message.id"] === sent.id)!;
    assert.equal(span.parentSpanContext, undefined);
  } finally {
    await worker.stop();
    await disposeApp(app);
  }
});

test("under the process pool, what a handler sends continues its run's trace from the pool child", async () => {
  const schema = uniqueSchema("trace_pool");
  const app = await producerApp(schema);
  const worker = runCli(["worker", "-A", TRACED_TASKS, "--pool", "process", "--concurrency", "1"], { TQ_SCHEMA: schema });
  try {
    await worker.waitFor(/consuming/);
    const { sent, traceId, spanId } = await underSpan("send relay", () => app.sendTask("relay", ["x"]));
    const echoId = await sent.get({ timeout: 20_000 }) as string;
    const echo = (await app.inspect.job(echoId)).job?.message as { origin: { traceparent?: string } };
    const parent = parseTraceparent(echo.origin.traceparent);
    assert.equal(parent?.traceId, traceId, "the echo the child sent is in the sender's trace");
    assert.notEqual(parent?.spanId, spanId, "its parent is the relay's run span, not the span that sent the relay");
  } finally {
    worker.kill("SIGTERM");
    await worker.exited;
    await app.close();
    await dropSchema(schema);
  }
});

test("a malformed traceparent is ignored rather than trusted", () => {
  assert.equal(parseTraceparent("00-00000000000000000000000000000000-0000000000000001-01"), undefined);
  assert.equal(parseTraceparent("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), undefined);
  assert.equal(parseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033-01"), undefined);
  assert.equal(parseTraceparent(42), undefined);
  assert.deepEqual(parseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: 1,
    isRemote: true,
  });
});
