/** `tq beat add|list|disable|enable|remove` as a person uses them: real processes, real database. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dropSchema, runCli, uniqueSchema } from "./_helpers.ts";

async function tq(schema: string, ...args: string[]): Promise<{ code: number | string; output: string }> {
  const cli = runCli(args, { TQ_SCHEMA: schema });
  const code = await cli.exited;
  return { code, output: cli.output() };
}

test("tq beat add, list, disable, enable and remove manage stored schedules; bad input exits 2 and says why", async () => {
  const schema = uniqueSchema("beat_cli");
  try {
    const added = await tq(schema, "beat", "add", "nightly", "--task", "report", "--cron", "0 3 * * *", "--tz", "Europe/Berlin", "--args", '["daily"]', "--missed", "once");
    assert.equal(added.code, 0, added.output);
    assert.match(added.output, /Schedule nightly added: report cron 0 3 \* \* \* \(Europe\/Berlin\); next run \d{4}-\d\d-\d\dT0[12]:00:00\.000Z/);
    assert.equal((await tq(schema, "beat", "add", "ping", "--task", "ping", "--every", "30s", "--queue", "fast", "--priority", "7")).code, 0);

    const again = await tq(schema, "beat", "add", "ping", "--task", "ping", "--every", "1m");
    assert.equal(again.code, 2);
    assert.match(again.output, /Schedule "ping" exists already; remove it first or replace it \(--replace\)/);
    assert.equal((await tq(schema, "beat", "add", "ping", "--task", "ping", "--every", "1m", "--replace")).code, 0);

    const listed = await tq(schema, "beat", "list", "--json");
    assert.equal(listed.code, 0, listed.output);
    const schedules = JSON.parse(listed.output);
    assert.deepEqual(schedules.map((s: { name: string }) => s.name), ["nightly", "ping"]);
    const [nightly, ping] = schedules;
    assert.deepEqual([nightly.task, nightly.kind, nightly.spec, nightly.tz, nightly.args, nightly.missed], ["report", "cron", "0 3 * * *", "Europe/Berlin", ["daily"], "once"]);
    assert.deepEqual([ping.description, ping.options], ["every 1m", {}], "--replace replaced the whole definition");
    assert.equal(new Date(ping.nextRunAt).getTime() % 60_000, 0, "every 1m fires on the minute");

    assert.equal((await tq(schema, "beat", "disable", "nightly")).code, 0);
    const table = await tq(schema, "beat", "list");
    assert.match(table.output, /^NAME\s+TASK\s+SCHEDULE\s+MISSED\s+STATE\s+SOURCE\s+LAST RUN\s+NEXT RUN$/m);
    assert.match(table.output, /^nightly\s+report\s+cron 0 3 \* \* \* \(Europe\/Berlin\)\s+once\s+disabled\s+runtime\s+-\s+-$/m);
    assert.match(table.output, /^ping\s+ping\s+every 1m\s+skip\s+enabled\s+runtime\s+-\s+\d{4}-/m);
    assert.equal((await tq(schema, "beat", "enable", "nightly")).code, 0);

    assert.equal((await tq(schema, "beat", "remove", "ping")).code, 0);
    const missing = await tq(schema, "beat", "remove", "ping");
    assert.equal(missing.code, 5, "a name with no trace is not found (docs/cli.md)");
    assert.match(missing.output, /No schedule named "ping"/);

    const bad: [string[], RegExp][] = [
      [["beat", "add", "x", "--task", "t", "--cron", "0 3 * * *", "--tz", "Moon/Base"], /Unknown time zone "Moon\/Base"/],
      [["beat", "add", "x", "--task", "t", "--cron", "0 25 * * *"], /Invalid cron expression "0 25 \* \* \*"/],
      [["beat", "add", "x", "--task", "t"], /exactly one of --cron/],
      [["beat", "add", "x", "--task", "t", "--every", "1s", "--at", "2027-01-01T00:00:00Z"], /exactly one of --cron/],
      [["beat", "add", "x", "--every", "1s"], /needs the task to send: --task NAME/],
      [["beat", "add", "x", "--task", "t", "--every", "1s", "--args", "{}"], /--args must be a JSON array/],
      [["beat", "add", "x", "--task", "t", "--every", "1s", "--missed", "never"], /"missed" must be skip, once or all/],
      [["beat", "frobnicate"], /Unknown beat command "frobnicate"/],
      [["beat", "remove"], /needs a schedule name/],
    ];
    for (const [args, message] of bad) {
      const result = await tq(schema, ...args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.output}`);
      assert.match(result.output, message);
    }
  } finally {
    await dropSchema(schema);
  }
});
