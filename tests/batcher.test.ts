/**
 * The batcher that writes completions and retries, on its own: nothing added
 * is ever left unwritten, whatever moment it arrives at.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Logger } from "../core/logger.ts";
import { Batcher } from "../core/batcher.ts";

const quiet: Logger = { log: () => {} };

function after(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `fn` after `depth` microtask hops. */
function inMicrotasks(depth: number, fn: () => void): void {
  let chain = Promise.resolve();
  for (let i = 0; i < depth; i++) chain = chain.then(() => {});
  void chain.then(fn);
}

test("an item added at any moment while a write finishes is still written", async () => {
  // One batcher per microtask step, so that for one of them the item lands
  // just after the flush loop found nothing pending.
  for (let depth = 0; depth < 12; depth++) {
    const written: number[] = [];
    const batcher: Batcher<number> = new Batcher<number>({
      name: "items",
      maxBatch: 100,
      logger: quiet,
      write: async (items) => {
        await after(1);
        written.push(...items);
        if (items[0] === 1) inMicrotasks(depth, () => batcher.add(2));
      },
    });
    batcher.add(1);
    // However slow the machine: a lost item is never written, so waiting longer cannot hide it.
    for (let waited = 0; written.length < 2 && waited < 1_000; waited += 10) await after(10);
    assert.deepEqual(written, [1, 2], `the item added ${depth} microtask(s) after a write was not written`);
    assert.equal(await batcher.drain(1_000), 0);
  }
});

test("items added while a write is in flight go out together in the next write", async () => {
  const batches: number[][] = [];
  const batcher = new Batcher<number>({
    name: "items",
    maxBatch: 3,
    logger: quiet,
    write: async (items) => {
      batches.push(items);
      await after(5);
    },
  });
  for (let i = 0; i < 7; i++) batcher.add(i);
  assert.equal(await batcher.drain(1_000), 0);
  assert.deepEqual(batches, [[0], [1, 2, 3], [4, 5, 6]]);
});
