/**
 * The canvas as plain data: what a signature, chain, group or chord is once
 * it leaves the code that built it. It travels in messages (a chain's later
 * steps, a task's callbacks) and survives a JSON round trip, so a worker
 * started from another build of the code can carry a workflow on.
 */
import { ConfigError } from "../errors.ts";
import { newId } from "../ids.ts";

/** Call options a signature carries; durations already in milliseconds, times as ISO-8601. */
export interface StepOptions {
  /** The result id, assigned when the workflow starts (or chosen by the caller). */
  id?: string;
  /** Queue to send the step to, instead of the task's. */
  queue?: string;
  /** 0..9, 9 first. */
  priority?: number;
  /** Not before this many ms after the step is sent. */
  countdown?: number;
  /** Not before this time (ISO-8601). */
  eta?: string;
  /** Not run after this time (ISO-8601). */
  expires?: string;
  /** Retries allowed for this step, instead of what the task declares. */
  maxRetries?: number;
  /** Soft and hard time limits in ms, instead of the task's. */
  timeLimit?: { soft?: number; hard?: number };
}

/** One task call: Celery's signature. */
export interface TaskStep {
  /** Tells a task step from the other kinds. */
  kind: "task";
  /** The task's name. */
  task: string;
  /** Its arguments; the step before's result comes first unless it is immutable. */
  args: unknown[];
  /** Its keyword arguments. */
  kwargs?: Record<string, unknown>;
  /** How it is sent. */
  options?: StepOptions;
  /** Immutable (`si`): the parent's result is not prepended to the arguments. */
  immutable?: boolean;
  /** Sent with this task's result when it succeeds (Celery's link). */
  link?: CanvasData[];
  /** Sent when it fails for good, with [...args, { id, task, error }] (Celery's link_error). */
  linkError?: TaskStep[];
}

/** Steps run one after the other, each result the first argument of the next. */
export interface ChainData {
  /** Tells a chain from the other kinds. */
  kind: "chain";
  /** The steps, in order; at least one. */
  steps: CanvasData[];
}

/** Members run in parallel. */
export interface GroupData {
  /** Tells a group from the other kinds. */
  kind: "group";
  /** The GroupResult's id, assigned when the workflow starts. */
  id?: string;
  /** The members, whose results come in this order. */
  members: CanvasData[];
}

/** A group whose results, in member order, go to one callback once every member is done. */
export interface ChordData {
  /** Tells a chord from the other kinds. */
  kind: "chord";
  /** The members run in parallel. */
  header: CanvasData[];
  /** The callback: it gets the members' results, in member order. */
  body: CanvasData;
}

/** A signature, chain, group or chord as plain data (`toJSON()`), told apart by `kind`. */
export type CanvasData = TaskStep | ChainData | GroupData | ChordData;

/** Throws ConfigError unless `data` is a well-formed canvas (for data that arrives from outside the code). */
export function assertCanvas(data: unknown, where = "canvas"): asserts data is CanvasData {
  const node = data as CanvasData;
  if (typeof node !== "object" || node === null) throw new ConfigError(`${where} must be a signature, chain, group or chord, got ${JSON.stringify(data)}.`);
  switch (node.kind) {
    case "task":
      if (typeof node.task !== "string" || node.task === "") throw new ConfigError(`${where} names no task.`);
      if (!Array.isArray(node.args)) throw new ConfigError(`${where} (task "${node.task}"): args must be an array.`);
      node.link?.forEach((link, i) => assertCanvas(link, `${where}.link[${i}]`));
      node.linkError?.forEach((link, i) => assertCanvas(link, `${where}.linkError[${i}]`));
      return;
    case "chain":
      if (!Array.isArray(node.steps) || node.steps.length === 0) throw new ConfigError(`${where}: a chain needs at least one step.`);
      node.steps.forEach((step, i) => assertCanvas(step, `${where}.steps[${i}]`));
      return;
    case "group":
      if (!Array.isArray(node.members)) throw new ConfigError(`${where}: a group's members must be an array.`);
      node.members.forEach((member, i) => assertCanvas(member, `${where}.members[${i}]`));
      return;
    case "chord":
      if (!Array.isArray(node.header)) throw new ConfigError(`${where}: a chord's header must be an array.`);
      node.header.forEach((member, i) => assertCanvas(member, `${where}.header[${i}]`));
      assertCanvas(node.body, `${where}.body`);
      return;
    default:
      throw new ConfigError(`${where} has an unknown kind ${JSON.stringify((node as { kind?: unknown }).kind)}.`);
  }
}

/** A deep copy in which every task and group has its id: the ids a workflow's results are known by before it runs. */
export function withIds(data: CanvasData): CanvasData {
  switch (data.kind) {
    case "task":
      return {
        ...data,
        options: { ...data.options, id: data.options?.id ?? newId() },
        ...(data.link ? { link: data.link.map(withIds) } : {}),
      };
    case "chain":
      return { kind: "chain", steps: data.steps.map(withIds) };
    case "group":
      return { kind: "group", id: data.id ?? newId(), members: data.members.map(withIds) };
    case "chord":
      return { kind: "chord", header: data.header.map(withIds), body: withIds(data.body) };
  }
}

/** The id whose result stands for `data` (with ids assigned): a chain's last step's, a chord's body's. */
export function resultIdOf(data: CanvasData): string {
  switch (data.kind) {
    case "task":
      return data.options!.id!;
    case "chain":
      return resultIdOf(data.steps[data.steps.length - 1]);
    case "group":
      return data.id!;
    case "chord":
      return resultIdOf(data.body);
  }
}

/** Every task id in `data` (with ids assigned): what revoking a whole workflow revokes. */
export function taskIdsOf(data: CanvasData): string[] {
  switch (data.kind) {
    case "task":
      return [data.options!.id!, ...(data.link ?? []).flatMap(taskIdsOf)];
    case "chain":
      return data.steps.flatMap(taskIdsOf);
    case "group":
      return data.members.flatMap(taskIdsOf);
    case "chord":
      return [...data.header.flatMap(taskIdsOf), ...taskIdsOf(data.body)];
  }
}
