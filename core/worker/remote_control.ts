/**
 * A worker's side of `tq control` and `tq inspect` broadcasts: it reads the
 * commands it has not answered yet (on a notification, or when its heartbeat
 * says one is waiting, so none is lost while its notifications are down),
 * runs each once, and stores its reply.
 */
import { QUEUE_NAME } from "../defaults.ts";
import type { Logger } from "../logger.ts";
import type { ControlCommand, Transport } from "../transport.ts";

/** What a worker answers; each returns the reply stored for the sender. */
export type CommandHandlers = Record<string, (args: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>>;

export class RemoteControl {
  /** Commands already run, so a reply that failed to be stored does not run one twice. */
  readonly #done = new Set<number>();
  #fetching?: Promise<void>;
  #again = false;

  constructor(
    private readonly workerId: string,
    private readonly transport: () => Transport,
    private readonly handlers: CommandHandlers,
    private readonly logger: Logger,
  ) {}

  /** Reads and answers waiting commands; `pending` false (from a heartbeat) means there are none. */
  poke(pending?: boolean): void {
    if (pending === false) return;
    if (this.#fetching) {
      this.#again = true;
      return;
    }
    this.#fetching = this.#fetchAll().finally(() => (this.#fetching = undefined));
  }

  async #fetchAll(): Promise<void> {
    do {
      this.#again = false;
      let commands: ControlCommand[];
      try {
        commands = await this.transport().controlFetch(this.workerId);
      } catch (error) {
        this.logger.log("warn", "Reading control commands failed; the next heartbeat tries again", { error: String((error as Error)?.message ?? error) });
        return;
      }
      // Forget answered and expired ones: they are not returned any more.
      const waiting = new Set(commands.map((c) => c.id));
      for (const id of this.#done) if (!waiting.has(id)) this.#done.delete(id);
      for (const command of commands) {
        if (this.#done.has(command.id)) continue;
        this.#done.add(command.id);
        await this.#answer(command);
      }
    } while (this.#again);
  }

  async #answer(command: ControlCommand): Promise<void> {
    const handler = Object.hasOwn(this.handlers, command.command) ? this.handlers[command.command] : undefined;
    let reply: Record<string, unknown>;
    try {
      reply = handler ? await handler(command.args) : { error: `unknown command "${command.command}"` };
    } catch (error) {
      reply = { error: String((error as Error)?.message ?? error) };
    }
    this.logger.log("info", `Control command ${command.command}`, { command: command.command, id: command.id, ...(reply.error ? { error: reply.error } : {}) });
    try {
      await this.transport().controlReply(command.id, this.workerId, reply);
    } catch (error) {
      this.logger.log("warn", "Replying to a control command failed", { command: command.command, error: String((error as Error)?.message ?? error) });
    }
  }
}

/**
 * `add-consumer` and `cancel-consumer`: change the queues a worker claims
 * from (the array it claims with, kept until it restarts); `wake` makes it
 * claim from a new one at once.
 */
export function consumerHandlers(queues: string[], wake: () => void): CommandHandlers {
  return {
    add_consumer: ({ queue }) => {
      if (typeof queue !== "string" || !QUEUE_NAME.test(queue)) return { error: `not a queue name: ${JSON.stringify(queue)}` };
      if (queues.includes(queue)) return { ok: `already consuming ${queue}` };
      queues.push(queue);
      wake();
      return { ok: `now consuming ${queues.join(", ")}` };
    },
    cancel_consumer: ({ queue }) => {
      const index = queues.indexOf(queue as string);
      if (index < 0) return { error: `not consuming ${JSON.stringify(queue)}` };
      if (queues.length === 1) return { error: `${queue} is the only queue it consumes; stop the worker instead` };
      queues.splice(index, 1);
      return { ok: `now consuming ${queues.join(", ")}` };
    },
  };
}
