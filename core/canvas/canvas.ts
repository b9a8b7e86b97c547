/**
 * The typed canvas: signatures, chains, groups and chords (Celery's), built
 * in code and started with `delay()`. Each is typed by the result it takes
 * from the step before (`In`) and the result it gives (`Out`), so a chain
 * that feeds a number into a task whose first parameter is a string does not
 * compile. What they are at run time is plain data (data.ts).
 */
import { parseDuration, type Duration } from "../duration.ts";
import { ConfigError } from "../errors.ts";
import type { AsyncResult } from "../result.ts";
import type { SendOptions } from "../task.ts";
import { assertCanvas, type CanvasData, type StepOptions, type TaskStep } from "./data.ts";
import type { GroupResult } from "./results.ts";

/** What starts a canvas: the app. */
export interface CanvasStarter {
  /** Writes what starts the workflow `data` (in the transaction `sql` if given) and returns its handle. */
  startCanvas(data: CanvasData, options?: { sql?: unknown }): Promise<AsyncResult | GroupResult>;
}

/**
 * Options a signature can carry (Celery's `set()`): the send options of one
 * call that make sense for a step. `countdown` counts from when the step is
 * sent; `expires` as a duration counts from when the signature is made.
 */
export type SignatureOptions = Pick<SendOptions, "id" | "queue" | "priority" | "countdown" | "eta" | "expires" | "maxRetries" | "timeLimit">;

/**
 * A startable piece of a workflow. `In` is what it takes from the step
 * before (void: nothing), `Out` what it gives to the step after.
 */
export abstract class Canvas<In, Out> {
  /** Phantom: a function parameter, so `In` is checked contravariantly. */
  declare readonly __in?: (input: In) => void;
  /** Phantom: the result type `Out`, for the compiler only (never set). */
  declare readonly __out?: Out;
  /** The app it came from, which starts it. */
  protected readonly starter: CanvasStarter;

  /** `starter`: the app that starts it. Canvases come from tasks and the canvas functions, not from `new`. */
  constructor(starter: CanvasStarter) {
    this.starter = starter;
  }

  /** The canvas as plain data (what travels in messages). */
  abstract toJSON(): CanvasData;

  /** A chain of this and then `next`, which gets this one's result. */
  pipe<R2>(next: Canvas<Out, R2>): Chain<In, R2> {
    return new Chain<In, R2>(this.starter, [this.toJSON(), next.toJSON()]);
  }
}

/** The handle `delay()` gives for a kind of canvas: a GroupResult for a group, else an AsyncResult. */
export type Handle<Out, Kind> = Kind extends "group" ? GroupResult<Out extends unknown[] ? Out : never> : AsyncResult<Out>;

/**
 * A canvas that can be started on its own: what signatures, chains, groups
 * and chords share. `Kind` picks the handle `delay()` gives: an AsyncResult
 * for one task's result, a GroupResult for a group's.
 */
export abstract class Startable<In, Out, Kind extends "task" | "group"> extends Canvas<In, Out> {
  /** Starts it; only for a canvas that needs no result from a step before. */
  delay(this: Startable<void, Out, Kind>): Promise<Handle<Out, Kind>> {
    return this.applyAsync();
  }

  /** Starts it; `sql`: a postgres.js transaction of yours, so the workflow exists exactly when it commits. */
  applyAsync(this: Startable<void, Out, Kind>, options: { sql?: unknown } = {}): Promise<Handle<Out, Kind>> {
    return this.starter.startCanvas(this.toJSON(), options) as Promise<Handle<Out, Kind>>;
  }
}

/** One task call with (some of) its arguments: Celery's signature. */
export class Signature<In, Out> extends Startable<In, Out, "task"> {
  readonly #step: TaskStep;

  /** Made by `task.s()`, `task.si()` and `app.signature()`. */
  constructor(starter: CanvasStarter, step: TaskStep) {
    super(starter);
    this.#step = step;
  }

  /** The name of the task it calls. */
  get task(): string {
    return this.#step.task;
  }

  /** A copy with these call options (queue, priority, countdown...). */
  set(options: SignatureOptions): Signature<In, Out> {
    return new Signature(this.starter, { ...this.#step, options: { ...this.#step.options, ...stepOptions(options) } });
  }

  /** A copy that also sends `callback` with this one's result when it succeeds (Celery's link). */
  link(callback: Canvas<Out, unknown>): Signature<In, Out> {
    return new Signature(this.starter, { ...this.#step, link: [...(this.#step.link ?? []), callback.toJSON()] });
  }

  /** A copy that sends `errback` (a task signature) once if this one fails for good: it gets [...its args, { id, task, error }]. */
  onError(errback: Signature<void, unknown> | Signature<{ id: string; task: string; error: { type: string; message: string } }, unknown>): Signature<In, Out> {
    const step = errback.toJSON();
    return new Signature(this.starter, { ...this.#step, linkError: [...(this.#step.linkError ?? []), step] });
  }

  /** The signature as plain data: a copy of its task step. */
  toJSON(): TaskStep {
    return structuredClone(this.#step);
  }
}

/** Steps one after the other; each result is the first argument of the next (unless it is immutable). */
export class Chain<In, Out> extends Startable<In, Out, "task"> {
  readonly #steps: CanvasData[];

  /** Made by `chain()` and `pipe()`; throws ConfigError when `steps` is empty. */
  constructor(starter: CanvasStarter, steps: CanvasData[]) {
    super(starter);
    if (steps.length === 0) throw new ConfigError("A chain needs at least one step.");
    this.#steps = steps;
  }

  /** The chain as plain data (a copy). */
  toJSON(): CanvasData {
    return { kind: "chain", steps: structuredClone(this.#steps) };
  }
}

/** Members in parallel; the result is every member's, in member order. */
export class Group<In, Out extends unknown[]> extends Startable<In, Out, "group"> {
  readonly #members: CanvasData[];

  /** Made by `group()`. */
  constructor(starter: CanvasStarter, members: CanvasData[]) {
    super(starter);
    this.#members = members;
  }

  /** The group as plain data (a copy). */
  toJSON(): CanvasData {
    return { kind: "group", members: structuredClone(this.#members) };
  }
}

/** A group whose results go, in member order, to one callback, sent exactly once when the last member is done. */
export class Chord<In, Out> extends Startable<In, Out, "task"> {
  readonly #header: CanvasData[];
  readonly #body: CanvasData;

  /** Made by `chord()`: `header` the members, `body` the callback. */
  constructor(starter: CanvasStarter, header: CanvasData[], body: CanvasData) {
    super(starter);
    this.#header = header;
    this.#body = body;
  }

  /** The chord as plain data (a copy). */
  toJSON(): CanvasData {
    return { kind: "chord", header: structuredClone(this.#header), body: structuredClone(this.#body) };
  }
}

/** A canvas rebuilt from its data (after a JSON round trip, say): started like the one it came from. */
export class CanvasFromData extends Startable<void, unknown, "task" | "group"> {
  readonly #data: CanvasData;

  /** Made by `app.canvas(data)`; throws ConfigError when `data` is not a well-formed canvas. */
  constructor(starter: CanvasStarter, data: CanvasData) {
    super(starter);
    assertCanvas(data);
    this.#data = structuredClone(data);
  }

  /** The data it was made from (a copy). */
  toJSON(): CanvasData {
    return structuredClone(this.#data);
  }
}

/** Any canvas, whatever it takes: what `group()` accepts as a member. */
export type AnyCanvas = Canvas<never, unknown> | Canvas<void, unknown> | Canvas<unknown, unknown>;
/** The result a canvas gives (its `Out`). */
// deno-lint-ignore no-explicit-any
export type OutOf<C> = C extends Canvas<any, infer O> ? O : never;
/** What a canvas takes from the step before (its `In`). */
// deno-lint-ignore no-explicit-any
export type InOf<C> = C extends Canvas<infer I, any> ? I : never;

/** The starter of the first canvas (they all come from apps; mixing apps is refused). */
function starterOf(canvases: Canvas<never, unknown>[]): CanvasStarter {
  // deno-lint-ignore no-explicit-any
  const starters = new Set(canvases.map((c) => (c as any).starter as CanvasStarter));
  if (starters.size !== 1) throw new ConfigError(canvases.length ? "The parts of a workflow come from different apps; build it from one app's tasks." : "A workflow needs at least one part.");
  return [...starters][0];
}

/** Two steps one after the other: the second gets the first's result. */
export function chain<I, A, B>(s1: Canvas<I, A>, s2: Canvas<A, B>): Chain<I, B>;
/** Three steps one after the other, each getting the result of the one before. */
export function chain<I, A, B, C>(s1: Canvas<I, A>, s2: Canvas<A, B>, s3: Canvas<B, C>): Chain<I, C>;
/** Four steps one after the other, each getting the result of the one before. */
export function chain<I, A, B, C, D>(s1: Canvas<I, A>, s2: Canvas<A, B>, s3: Canvas<B, C>, s4: Canvas<C, D>): Chain<I, D>;
/** Five steps one after the other, each getting the result of the one before. */
export function chain<I, A, B, C, D, E>(s1: Canvas<I, A>, s2: Canvas<A, B>, s3: Canvas<B, C>, s4: Canvas<C, D>, s5: Canvas<D, E>): Chain<I, E>;
/** Six steps one after the other, each getting the result of the one before (`a.pipe(b).pipe(c)` for more). */
export function chain<I, A, B, C, D, E, F>(
  s1: Canvas<I, A>, s2: Canvas<A, B>, s3: Canvas<B, C>, s4: Canvas<C, D>, s5: Canvas<D, E>, s6: Canvas<E, F>,
): Chain<I, F>;
/** Steps one after the other (up to 6 typed here; `a.pipe(b).pipe(c)` for any number). */
export function chain(...steps: Canvas<never, unknown>[]): Chain<unknown, unknown> {
  return new Chain(starterOf(steps), steps.map((s) => s.toJSON()));
}

/** Members in parallel: `group(a, b, c)` or `group(list)`. */
export function group<C extends AnyCanvas[]>(...members: C): Group<InOf<C[number]>, { [K in keyof C]: OutOf<C[K]> }>;
/** Members in parallel, from a list: `group(list)`, whose result is the list of their results. */
export function group<I, O>(members: Canvas<I, O>[]): Group<I, O[]>;
export function group(...args: unknown[]): Group<unknown, unknown[]> {
  const members = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as Canvas<never, unknown>[];
  if (members.length === 0) throw new ConfigError("A group needs at least one member (build it with group(a, b) or group(list)).");
  return new Group(starterOf(members), members.map((m) => m.toJSON()));
}

/** `chord(group, callback)`: the callback gets every member's result, in member order. */
export function chord<I, Outs extends unknown[], R>(header: Group<I, Outs>, body: Canvas<Outs, R>): Chord<I, R> {
  const headerData = header.toJSON() as { members: CanvasData[] };
  return new Chord(starterOf([header as Canvas<never, unknown>, body as Canvas<never, unknown>]), headerData.members, body.toJSON());
}

/** Signature options as data: durations in ms, times as ISO-8601. */
export function stepOptions(options: SignatureOptions): StepOptions {
  const out: StepOptions = {};
  if (options.id !== undefined) out.id = options.id;
  if (options.queue !== undefined) out.queue = options.queue;
  if (options.priority !== undefined) out.priority = options.priority;
  if (options.maxRetries !== undefined) out.maxRetries = options.maxRetries;
  if (options.countdown !== undefined) out.countdown = requireMs(options.countdown, "countdown");
  if (options.eta !== undefined) {
    const eta = new Date(options.eta);
    if (Number.isNaN(eta.getTime())) throw new ConfigError(`Signature option "eta" must be a date or an ISO-8601 time, got ${JSON.stringify(options.eta)}.`);
    out.eta = eta.toISOString();
  }
  if (options.expires !== undefined) out.expires = expiryTime(options.expires);
  if (options.timeLimit !== undefined) {
    out.timeLimit = {};
    if (options.timeLimit.soft !== undefined) out.timeLimit.soft = requireMs(options.timeLimit.soft, "timeLimit.soft");
    if (options.timeLimit.hard !== undefined) out.timeLimit.hard = requireMs(options.timeLimit.hard, "timeLimit.hard");
  }
  return out;
}

/** `expires` as an ISO time: a date, or a duration from now (from when the signature is made). */
function expiryTime(value: Date | string | number): string {
  const ms = typeof value === "number" || (typeof value === "string" && parseDuration(value) !== undefined) ? parseDuration(value as Duration) : undefined;
  const time = ms !== undefined ? new Date(Date.now() + ms) : new Date(value);
  if (Number.isNaN(time.getTime())) throw new ConfigError(`Signature option "expires" must be a date, an ISO-8601 time or a duration such as "10m", got ${JSON.stringify(value)}.`);
  return time.toISOString();
}

function requireMs(value: Duration, option: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new ConfigError(`Signature option "${option}" must be a duration such as 5000 or "5s", got ${JSON.stringify(value)}.`);
  return ms;
}
