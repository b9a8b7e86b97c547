/** The job a schedule sends on each tick, built like any other send. */
import { encodeMessage } from "../message.ts";
import { shownArgs } from "../redact.ts";
import { buildMessage, insertTiming, type MessageDefaults } from "../sending.ts";
import type { SendOptions, TaskOptions } from "../task.ts";
import type { InsertOptions, ScheduleDefinition } from "../transport.ts";

export interface TickMessage {
  encoded: string;
  timing: InsertOptions;
}

/** One tick's message: the schedule's task, arguments and send options, with the app's defaults. */
export function tickMessage(
  definition: ScheduleDefinition,
  task: Partial<TaskOptions> | undefined,
  defaults: MessageDefaults,
  maxMessageBytes: number,
): TickMessage {
  const options = { ...definition.options, kwargs: definition.kwargs } as SendOptions;
  const message = buildMessage(definition.task, definition.args, options, task, defaults);
  const argsShown = [shownArgs(task?.redact, message.args, message.kwargs)];
  return { encoded: encodeMessage(message, maxMessageBytes), timing: { ...insertTiming(options, task), argsShown } };
}
