/**
 * Turns a canvas into what starts it: the first jobs, and the groups and
 * chords to record, all written in one statement (by the producer, or by the
 * completion of the step before, so a workflow moves on exactly when a step
 * counts). Later steps ride in the messages (`chain`, `callbacks`, `chord`)
 * and are started the same way when their turn comes.
 */
import { ConfigError } from "../errors.ts";
import type { Message } from "../message.ts";
import { buildMessage, type MessageDefaults } from "../sending.ts";
import type { SendOptions, TaskOptions } from "../task.ts";
import { type CanvasData, resultIdOf, type TaskStep } from "./data.ts";

/** A job to insert, its countdown measured by the database clock. */
export interface LaunchJob {
  message: Message;
  delayMs?: number;
}

/** A chord to record: its callback waits for `members`' results. */
export interface ChordRecord {
  /** The callback's job id. */
  id: string;
  /** The members' final result ids, in order. */
  members: string[];
  /** The callback's message; the members' results are put in front of its args when it is sent. */
  callback: Message;
  immutable: boolean;
  delayMs?: number;
  /** The chord's own result id (the callback's, or the last step's when the callback is a chain). */
  resultId: string;
}

export interface GroupRecord {
  id: string;
  members: string[];
}

/** Everything one step of a workflow writes. */
export interface Launch {
  jobs: LaunchJob[];
  chords: ChordRecord[];
  groups: GroupRecord[];
}

export interface LaunchContext extends MessageDefaults {
  /** The options of a task registered here, for its defaults (queue, priority). */
  taskOptions(name: string): Partial<TaskOptions> | undefined;
  /** Checks a step's message as a plain send is checked (arity, argsSchema, size); throws what it would. */
  check(message: Message): void;
  /** The job whose success starts this, if any. */
  parent?: { id: string; rootId: string };
}

/** Where a step sits: the steps after it in its chain, and the chord it is a member of. */
interface Place {
  chain?: CanvasData[];
  chord?: { id: string };
}

/** The jobs, chords and groups that start `data` (ids already assigned), given the parent's result if any. */
export function planLaunch(data: CanvasData, input: { value: unknown } | undefined, context: LaunchContext, place: Place = {}): Launch {
  const launch: Launch = { jobs: [], chords: [], groups: [] };
  start(data, input, place, context, launch);
  return launch;
}

function start(data: CanvasData, input: { value: unknown } | undefined, place: Place, context: LaunchContext, launch: Launch): void {
  switch (data.kind) {
    case "task":
      launch.jobs.push(stepJob(data, input, place, context));
      return;
    case "chain": {
      const [first, ...rest] = data.steps;
      const after = [...rest, ...(place.chain ?? [])];
      return start(first, input, { chain: after.length ? after : undefined, chord: place.chord }, context, launch);
    }
    case "group": {
      const members = flattenGroups(data.members);
      // A group followed by more steps is a chord: the next step gets every member's result.
      if (place.chain?.length) {
        const [body, ...rest] = place.chain;
        const next = rest.length ? { kind: "chain" as const, steps: [body, ...rest] } : body;
        return start({ kind: "chord", header: members, body: next }, input, { chord: place.chord }, context, launch);
      }
      if (place.chord) throw new ConfigError("A group cannot end a chain inside a chord's header (its result would be a list of lists): put its members in the header instead.");
      for (const member of members) start(member, input, {}, context, launch);
      launch.groups.push({ id: data.id!, members: members.map(resultIdOf) });
      return;
    }
    case "chord":
      return startChord(data.header, data.body, input, place, context, launch);
  }
}

function startChord(header: CanvasData[], body: CanvasData, input: { value: unknown } | undefined, place: Place, context: LaunchContext, launch: Launch): void {
  const [callbackStep, restOfBody] = firstTask(body);
  const after = [...restOfBody, ...(place.chain ?? [])];
  // Checked as it will be sent: with the members' results in front of its args.
  const callback = stepJob(callbackStep, undefined, { chain: after.length ? after : undefined, chord: place.chord }, context, true);
  const members = flattenGroups(header);
  const last = after.length ? after[after.length - 1] : callbackStep;
  launch.chords.push({
    id: callback.message.id,
    members: members.map(resultIdOf),
    callback: callback.message,
    immutable: callbackStep.immutable === true,
    delayMs: callback.delayMs,
    resultId: resultIdOf(last),
  });
  for (const member of members) start(member, input, { chord: { id: callback.message.id } }, context, launch);
}

/**
 * Refuses, before anything is written, shapes a later step would only find
 * out about when the step before it succeeded: a chord whose callback does
 * not start with a task, anywhere in the tree.
 */
export function assertLaunchable(data: CanvasData): void {
  switch (data.kind) {
    case "task":
      return data.link?.forEach(assertLaunchable);
    case "chain":
      return data.steps.forEach(assertLaunchable);
    case "group":
      return data.members.forEach(assertLaunchable);
    case "chord":
      firstTask(data.body);
      data.header.forEach(assertLaunchable);
      return assertLaunchable(data.body);
  }
}

/** A chord's callback: the first task of its body, and the steps after it. */
function firstTask(body: CanvasData): [TaskStep, CanvasData[]] {
  if (body.kind === "task") return [body, []];
  if (body.kind === "chain") {
    const [first, ...rest] = body.steps;
    if (first.kind === "task") return [first, rest];
    if (first.kind === "chain") return firstTask({ kind: "chain", steps: [...first.steps, ...rest] });
  }
  throw new ConfigError(`A chord's callback must be a task or a chain that starts with a task, got a ${body.kind === "chain" ? `chain that starts with a ${body.steps[0].kind}` : body.kind}.`);
}

/** Members of nested groups are members of the outer one, in order (as Celery flattens them). */
function flattenGroups(members: CanvasData[]): CanvasData[] {
  return members.flatMap((member) => (member.kind === "group" ? flattenGroups(member.members) : [member]));
}

/** The job of one task step: the parent's result in front of its args unless immutable. */
function stepJob(step: TaskStep, input: { value: unknown } | undefined, place: Place, context: LaunchContext, resultsToCome = false): LaunchJob {
  const options = step.options ?? {};
  const args = step.immutable || input === undefined ? step.args : [input.value, ...step.args];
  const send: SendOptions = {
    id: options.id,
    queue: options.queue,
    priority: options.priority,
    eta: options.eta,
    expires: options.expires,
    maxRetries: options.maxRetries,
    timeLimit: options.timeLimit,
    kwargs: step.kwargs,
    parentId: context.parent?.id,
    rootId: context.parent?.rootId,
    linkError: step.linkError,
  };
  for (const key of Object.keys(send) as (keyof SendOptions)[]) if (send[key] === undefined) delete send[key];
  const message = buildMessage(step.task, args, send, context.taskOptions(step.task), context);
  if (place.chain?.length) message.chain = place.chain;
  if (step.link?.length) message.callbacks = step.link;
  if (place.chord) message.chord = place.chord;
  context.check(resultsToCome && !step.immutable ? { ...message, args: [[], ...message.args] } : message);
  return options.countdown === undefined ? { message } : { message, delayMs: options.countdown };
}
