/**
 * The example app of the README: `tq worker -A examples/tasks.ts`, then
 * `tq call add 2 3 --wait`.
 */
import { App, currentTask, every } from "tq";

export const app = new App({ name: "examples" });

/** Adds two numbers. */
export const add = app.task("add", (a: number, b: number) => a + b);

/** Sleeps `ms` milliseconds unless the task is stopped first. */
export const slow = app.task({ name: "slow", queue: "slow", priority: 3 }, async (ms: number) => {
  const { signal } = currentTask();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
  return `slept ${ms} ms`;
});

/** Fails on purpose, to show how errors come back. */
export const fail = app.task("fail", (message: string) => {
  throw new RangeError(message);
});

/** Sent by beat (`tq beat -A examples/tasks.ts`, or a worker started with -B) every 10 seconds. */
app.conf.beatSchedule = {
  "add-every-10s": { task: "add", schedule: every("10s"), args: [40, 2] },
};
