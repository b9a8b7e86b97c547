/**
 * This tq's version, from package.json (the one place it is written): the
 * migrations and worker rows record it, `tq --version` prints it, and the
 * messages of an upgrade (docs/upgrading.md) name it.
 */
import pkg from "../package.json" with { type: "json" };

/** The version of this tq, e.g. "0.2.0". */
export const TQ_VERSION: string = pkg.version;
