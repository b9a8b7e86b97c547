/**
 * What a workflow starts when one of its tasks succeeds: the next step of
 * its chain (given the result), and its callbacks (link). Written in the
 * statement that records the success, so each is sent exactly once.
 */
import type { Message } from "../message.ts";
import type { CanvasData } from "./data.ts";
import { type Launch, type LaunchContext, planLaunch } from "./launch.ts";

export function nextLaunch(message: Message, value: unknown, context: LaunchContext): Launch | undefined {
  const chain = message.chain as CanvasData[] | undefined;
  const callbacks = message.callbacks as CanvasData[] | undefined;
  if (!chain?.length && !callbacks?.length) return undefined;
  const launch: Launch = { jobs: [], chords: [], groups: [] };
  const add = (more: Launch) => {
    launch.jobs.push(...more.jobs);
    launch.chords.push(...more.chords);
    launch.groups.push(...more.groups);
  };
  if (chain?.length) {
    const [next, ...rest] = chain;
    const chord = message.chord as { id: string } | undefined;
    add(planLaunch(next, { value }, context, { chain: rest.length ? rest : undefined, chord }));
  }
  for (const callback of callbacks ?? []) add(planLaunch(callback, { value }, context));
  return launch;
}
