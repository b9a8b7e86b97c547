/**
 * The database URL holds a password, so it is never shown whole. It is
 * checked when the configuration is resolved, before any driver sees it:
 * postgres.js hands a URL it cannot parse to `new URL`, whose error quotes
 * it with its password (Deno in the message, Bun in the error's `input`).
 * Everything here reads the URL as a plain string, so a URL that does not
 * parse is still shown safely.
 *
 * Where the user info ends: at the last "@" of the whole string, not of the
 * host part. A password with an unencoded "/", "?" or "#" then still counts
 * as password (hidden), never as a path or query shown in clear; such a URL
 * is refused anyway, since drivers would read it differently.
 */
import { ConfigError } from "./errors.ts";

/** What replaces a password wherever the URL is shown. */
export const HIDDEN = "***";

interface UrlParts {
  /** "postgres://" or "postgresql://". */
  scheme: string;
  /** The user info as written (before the last "@"), or undefined when there is none. */
  userInfo?: string;
  /** The user name as written (before the user info's first ":"). */
  user: string;
  /** The password as written (after the user info's first ":"). */
  password?: string;
  /** Everything after the user info: hosts, database, query. */
  rest: string;
}

function split(url: string): UrlParts | undefined {
  const match = /^(postgres(?:ql)?:\/\/)(.*)$/s.exec(url);
  if (!match) return undefined;
  const [, scheme, tail] = match;
  const at = tail.lastIndexOf("@");
  if (at < 0) return { scheme, user: "", rest: tail };
  const userInfo = tail.slice(0, at);
  const colon = userInfo.indexOf(":");
  return {
    scheme,
    userInfo,
    user: colon < 0 ? userInfo : userInfo.slice(0, colon),
    password: colon < 0 ? undefined : userInfo.slice(colon + 1),
    rest: tail.slice(at + 1),
  };
}

/** `password=` values of a query string (libpq reads the password there too), as written. */
const QUERY_PASSWORD = /([?&]password=)([^&#]*)/gi;

/** The URL with every password replaced by ***, for messages and logs. Not a URL: a placeholder only. */
export function redactUrl(url: string): string {
  const parts = typeof url === "string" ? split(url) : undefined;
  if (!parts) return "(not a postgres:// URL; not shown)";
  const userInfo = parts.userInfo === undefined ? "" : `${parts.user}${parts.password === undefined ? "" : `:${HIDDEN}`}@`;
  return parts.scheme + userInfo + parts.rest.replace(QUERY_PASSWORD, `$1${HIDDEN}`);
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Every form in which this URL's password could be quoted: as written and
 * percent-decoded, from the user info and from `password=`. A value that is
 * not a URL may be a keyword/value connection string: the whole value and
 * its `password=` value count then. Longest first, for scrub().
 */
export function urlSecrets(url: string): string[] {
  if (typeof url !== "string" || url === "") return [];
  const parts = split(url);
  const raw: string[] = [];
  if (!parts) {
    raw.push(url);
    for (const match of url.matchAll(/password\s*=\s*'?([^'\s]+)/gi)) raw.push(match[1]);
  } else {
    if (parts.password) raw.push(parts.password);
    for (const match of parts.rest.matchAll(QUERY_PASSWORD)) if (match[2]) raw.push(match[2]);
  }
  const all = new Set<string>();
  for (const secret of raw) {
    all.add(secret);
    const plain = decoded(secret);
    if (plain) all.add(plain);
  }
  return [...all].sort((a, b) => b.length - a.length);
}

/** `text` with each of `secrets` replaced by ***. */
export function scrub(text: string, secrets: string[]): string {
  let result = text;
  for (const secret of secrets) if (secret) result = result.split(secret).join(HIDDEN);
  return result;
}

/** Where the URL points, as "host:port/database" (several hosts comma-separated), never with credentials. */
export function urlTarget(url: string): string {
  const parts = typeof url === "string" ? split(url) : undefined;
  if (!parts) return "(unparseable database URL)";
  const { hosts, path } = authority(parts.rest);
  const shown = hosts.split(",").map((host) => {
    const { name, port } = hostPort(host) ?? { name: "?", port: undefined };
    return `${decoded(name) ?? "?"}:${port || "5432"}`;
  });
  const database = path.split(/[?#]/)[0];
  return `${shown.join(",")}${database}`;
}

/** The hosts part (up to the first "/", "?" or "#") and what follows it. */
function authority(rest: string): { hosts: string; path: string } {
  const end = rest.search(/[/?#]/);
  return end < 0 ? { hosts: rest, path: "" } : { hosts: rest.slice(0, end), path: rest.slice(end) };
}

/** "host", "host:port", "[v6]" or "[v6]:port"; undefined when it is none of them. */
function hostPort(host: string): { name: string; port?: string } | undefined {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::([^:]*))?$/.exec(host);
  return match ? { name: match[1] || "localhost", port: match[2] } : undefined;
}

/** What is wrong with the URL, as the end of a sentence; undefined when nothing is. */
export function databaseUrlProblem(url: unknown): string | undefined {
  if (typeof url !== "string" || !split(url)) {
    return "must be a postgres:// URL such as postgres://user:password@host:5432/database; the value given is not one (not shown: it may hold a password)";
  }
  const parts = split(url)!;
  const tail = url.slice(parts.scheme.length);
  const { hosts, path } = authority(tail);
  const encode = `percent-encode "/", "?", "#", "@", ":" and "%" in the user name and password (encodeURIComponent)`;
  if (path.includes("@")) return `has an "@" after its host part (a "/", "?" or "#" in the password ends the host part early): ${encode}, and write an "@" in a query value as %40`;
  if (hosts.indexOf("@") !== hosts.lastIndexOf("@")) return `has more than one "@" before its host: ${encode}`;
  for (const host of authority(parts.rest).hosts.split(",")) {
    const found = hostPort(host);
    if (!found) return `has a host that is not host, host:port or [IPv6]:port`;
    if (found.port !== undefined && found.port !== "" && !(/^\d{1,5}$/.test(found.port) && Number(found.port) >= 1 && Number(found.port) <= 65535)) {
      return "has a port that is not a number from 1 to 65535";
    }
  }
  for (const part of [parts.user, parts.password ?? "", authority(parts.rest).hosts]) {
    if (decoded(part) === undefined) return `has a "%" that does not start a percent-encoded character (write a literal % as %25)`;
  }
  for (const match of parts.rest.matchAll(QUERY_PASSWORD)) {
    if (decoded(match[2]) === undefined) return `has a "%" in its password= value that does not start a percent-encoded character (write a literal % as %25)`;
  }
  try {
    // As postgres.js parses it: the first of several hosts stands for all.
    const { hosts: restHosts, path: restPath } = authority(parts.rest);
    const userInfo = parts.userInfo === undefined ? "" : `${parts.userInfo}@`;
    new URL(`${parts.scheme}${userInfo}${restHosts.split(",")[0]}${restPath}`);
  } catch {
    return `is not a valid URL (check the host name; ${encode})`;
  }
  return undefined;
}

/** Throws ConfigError naming the problem and showing the URL with its password hidden. */
export function checkDatabaseUrl(url: unknown, option = 'Option "databaseUrl" (TQ_DATABASE_URL)'): void {
  const problem = databaseUrlProblem(url);
  if (!problem) return;
  const shown = typeof url === "string" && split(url) ? `: ${redactUrl(url)}` : "";
  throw new ConfigError(`${option} ${problem}${shown || "."}`);
}

/**
 * The URL as the driver should read it. libpq takes the password from a
 * `password=` query parameter too; postgres.js would send it to the server
 * as a setting (refused as unknown). It moves into the user info instead
 * (the query's value wins over one there, as in libpq). Call on a URL that
 * passed checkDatabaseUrl.
 */
export function driverUrl(url: string): string {
  const parts = split(url);
  if (!parts) return url;
  let password: string | undefined;
  const rest = parts.rest.replace(QUERY_PASSWORD, (_, lead: string, value: string) => {
    password = decoded(value) ?? value;
    return lead === "?" ? "?" : "";
  }).replace("?&", "?").replace(/\?(?=$|#)/, "");
  if (password === undefined) return url;
  return `${parts.scheme}${parts.user}:${encodeURIComponent(password)}@${rest}`;
}
