/**
 * A worker's side of `tq control` and `tq inspect` broadcasts: it reads the
 * commands stored after the last one it saw (on a notification, or on a
 * heartbeat that shows a newer one, so none is lost while its notifications
 * are down), runs each, and stores its reply.
 */
import type { Logger } from "../logger.ts";
import type { ControlCommand, Transport } from "../transport.ts";

/** What a worker answers; each returns the reply stored for the sender. */
export type CommandHandlers = Record<string, (args: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>>;

export class RemoteControl {
  /** The last command seen: commands sent before this worker started are not for it. */
  #cursor = 0;
  #fetching?: Promise<void>;
  #again = false;

  constructor(
    private readonly workerId: string,
    private readonly transport: () => Transport,
    private readonly handlers: CommandHandlers,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.#cursor = await this.transport().controlCursor();
  }

  /** Called when a command may be waiting (a notification, or a heartbeat that saw `latest`). */
  poke(latest?: number | null): void {
    if (latest !== undefined && (latest === null || latest <= this.#cursor)) return;
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
        commands = await this.transport().controlFetch(this.#cursor, this.workerId);
      } catch (error) {
        this.logger.log("warn", "Reading control commands failed; the next heartbeat tries again", { error: String((error as Error)?.message ?? error) });
        return;
      }
      for (const command of commands) {
        this.#cursor = Math.max(this.#cursor, command.id);
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
