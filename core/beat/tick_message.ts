/** The job a schedule sends on each tick, built like any other send. */
import { encodeMessage, type Message } from "../message.ts";
import { shownArgs } from "../redact.ts";
import type { SignatureMark } from "../security/signed_content.ts";
import { buildMessage, insertTiming, type MessageDefaults } from "../sending.ts";
import type { SendOptions, TaskOptions } from "../task.ts";
import type { InsertOptions, ScheduleDefinition } from "../transport.ts";

export interface TickMessage {
  encoded: string;
  timing: InsertOptions;
}

/** Signs messages as the app's sends are signed (docs/security.md); does nothing when the app does not sign. */
export type SignMessages = (messages: Message[], marks: SignatureMark[]) => Promise<void>;

/** A tick's message and timing, unsigned; throws what a send with the schedule's options would. */
export function buildTick(
  definition: ScheduleDefinition,
  task: Partial<TaskOptions> | undefined,
  defaults: MessageDefaults,
): { message: Message; options: SendOptions; timing: InsertOptions } {
  const options = { ...definition.options, kwargs: definition.kwargs } as SendOptions;
  const message = buildMessage(definition.task, definition.args, options, task, defaults);
  return { message, options, timing: insertTiming(options, task) };
}

/** One tick's message: the schedule's task, arguments and send options, with the app's defaults; signed when the app signs. */
export async function tickMessage(
  definition: ScheduleDefinition,
  task: Partial<TaskOptions> | undefined,
  defaults: MessageDefaults,
  maxMessageBytes: number,
  sign: SignMessages,
): Promise<TickMessage> {
  const { message, options, timing } = buildTick(definition, task, defaults);
  // A debounced send takes the id of the job it replaces: the signature leaves the id out.
  await sign([message], options.debounce !== undefined ? ["d"] : []);
  const argsShown = [shownArgs(task?.redact, message.args, message.kwargs)];
  return { encoded: encodeMessage(message, maxMessageBytes), timing: { ...timing, argsShown } };
}
