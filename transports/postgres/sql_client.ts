/** The postgres.js client type the transport's modules share. */

/** postgres.js's client type, or a transaction of it. */
// deno-lint-ignore no-explicit-any
export type Sql = any;
