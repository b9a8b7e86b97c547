/**
 * `tq keys generate`: a new Ed25519 key pair for message signing
 * (docs/security.md), as the two variables to set. `tq keys public`: the
 * verify key of the signing key in TQ_SIGNING_KEY, for the workers' list.
 * The only commands that print a signing key: generating one is their job.
 */
import { generateKeyPair, parseSigningKey, verifyKeyText } from "../../core/security/keys.ts";
import { env } from "../../core/runtime.ts";
import { EXIT, UsageError } from "../errors.ts";
import { out } from "../output.ts";
import { unknownMessage } from "../suggest.ts";

const ACTIONS = ["generate", "public"];

export async function keysCommand(action: string | undefined, flags: { json?: boolean }): Promise<number> {
  if (action === "generate") {
    const pair = await generateKeyPair();
    if (flags.json) {
      out(JSON.stringify(pair));
    } else {
      out(`# Key ${pair.keyId}. TQ_SIGNING_KEY is a secret: give it to every process that sends tasks (workers too, for the`);
      out(`# chain steps, callbacks and errbacks they send); give TQ_VERIFY_KEYS to the workers. See docs/security.md.`);
      out(`TQ_SIGNING_KEY=${pair.signingKey}`);
      out(`TQ_VERIFY_KEYS=${pair.verifyKey}`);
    }
    return EXIT.ok;
  }
  if (action === "public") {
    const text = env("TQ_SIGNING_KEY");
    if (!text) throw new UsageError("TQ_SIGNING_KEY is not set: `tq keys public` prints the verify key of the signing key in it.");
    const key = parseSigningKey(text, "TQ_SIGNING_KEY");
    const verifyKey = verifyKeyText(key.publicKey);
    out(flags.json ? JSON.stringify({ keyId: key.id, verifyKey }) : verifyKey);
    return EXIT.ok;
  }
  throw new UsageError(`${action === undefined ? "Say what to do with keys." : unknownMessage("keys action", action, ACTIONS)} Run \`tq keys generate\` or \`tq keys public\`.`);
}
