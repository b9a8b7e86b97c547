/**
 * The script a threads-pool Web Worker runs: the pool protocol over the
 * worker scope's postMessage. A thread has no IPC channel to lose; the worker
 * ends it with `terminate()`.
 */
import { serveParent } from "./child_serve.ts";
import type { FromChild, ToChild } from "./protocol.ts";

/** The few members of a worker scope used here (the DOM types describe a window). */
interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

const scope = globalThis as unknown as WorkerScope;

void serveParent({
  send: (message: FromChild) => scope.postMessage(message),
  onMessage: (listener) => scope.addEventListener("message", (event) => listener(event.data as ToChild)),
  onClose: () => {},
});
