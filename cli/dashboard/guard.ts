/**
 * Who may do what on the dashboard (docs/observability.md). Reading is open
 * to whoever reaches the port, which is why it binds to 127.0.0.1 unless
 * told otherwise. Actions (retry, revoke, delete, pause) need:
 * - the dashboard not to be read-only: `--read-only`, or bound beyond
 *   loopback without a token (TQ_DASHBOARD_TOKEN), which forces it;
 * - the header `X-TQ-Action: 1`, which a cross-site form cannot send and a
 *   cross-site script cannot send without a CORS preflight this server never
 *   grants (so another web page open in the same browser cannot act);
 * - `Authorization: Bearer <token>` when a token is set.
 * On loopback, the Host header must name a loopback address, so a web page
 * that rebinds its own host name to 127.0.0.1 cannot read the API either.
 */
import { timingSafeEqual } from "node:crypto";

/** How the dashboard was started, as far as access goes. */
export interface AccessOptions {
  /** The address it binds to. */
  hostname: string;
  /** The token actions need; none when undefined. */
  token?: string;
  /** Actions off. */
  readOnly?: boolean;
}

/** What a request may do, or why not: status and message. */
export type Verdict = { ok: true } | { ok: false; status: 401 | 403 | 421; error: string };

const LOOPBACK = new Set(["127.0.0.1", "::1", "[::1]", "localhost"]);

/** True for addresses only this machine can reach. */
export function isLoopback(hostname: string): boolean {
  return LOOPBACK.has(hostname) || hostname.startsWith("127.");
}

/** The access rules of one dashboard. */
export class Guard {
  readonly readOnly: boolean;
  readonly tokenRequired: boolean;
  /** Why actions are off when they are off only because of where it binds. */
  readonly forcedReadOnly: boolean;
  readonly #token?: Uint8Array;
  readonly #loopback: boolean;

  constructor(options: AccessOptions) {
    this.#loopback = isLoopback(options.hostname);
    this.#token = options.token ? new TextEncoder().encode(options.token) : undefined;
    this.tokenRequired = this.#token !== undefined;
    this.forcedReadOnly = !options.readOnly && !this.#loopback && !this.tokenRequired;
    this.readOnly = options.readOnly === true || this.forcedReadOnly;
  }

  /** Whether any request may be served: on loopback, only under a loopback Host name. */
  read(request: Request): Verdict {
    if (!this.#loopback) return { ok: true };
    const host = request.headers.get("host") ?? "";
    const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
    if (isLoopback(name)) return { ok: true };
    return { ok: false, status: 421, error: `This dashboard serves only requests addressed to this machine (Host "${host}" is not a loopback name): open it at http://127.0.0.1.` };
  }

  /** Whether a request may change something. */
  act(request: Request): Verdict {
    if (this.readOnly) {
      const why = this.forcedReadOnly
        ? "it listens beyond this machine without a token: set TQ_DASHBOARD_TOKEN to allow actions"
        : "it was started with --read-only";
      return { ok: false, status: 403, error: `This dashboard is read-only: ${why}.` };
    }
    if (request.headers.get("x-tq-action") !== "1") {
      return { ok: false, status: 403, error: "Actions must send the header X-TQ-Action: 1 (the dashboard's page does)." };
    }
    if (this.#token && !this.#tokenMatches(request.headers.get("authorization"))) {
      return { ok: false, status: 401, error: "This action needs the dashboard's token: send Authorization: Bearer <TQ_DASHBOARD_TOKEN>." };
    }
    return { ok: true };
  }

  #tokenMatches(header: string | null): boolean {
    const given = header?.startsWith("Bearer ") ? new TextEncoder().encode(header.slice(7)) : undefined;
    return given !== undefined && given.length === this.#token!.length && timingSafeEqual(given, this.#token!);
  }
}
