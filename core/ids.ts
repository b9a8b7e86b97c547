/**
 * Job ids: UUID version 7 (RFC 9562), whose first 48 bits are the Unix time
 * in milliseconds. Ids made close in time sort close together, so the
 * primary-key index of the jobs table grows at its right edge instead of
 * writing into random pages (docs/performance.md), and they are still
 * unique without coordination (74 random bits).
 */
const bytes = new Uint8Array(16);
const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** A new UUIDv7, e.g. "019ad8a4-5e3b-7c41-9a0e-3f6d2b8c1e77". */
export function newId(): string {
  crypto.getRandomValues(bytes);
  let ms = Date.now();
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (bytes[6] & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8] & 0x3f); // variant 10
  let out = "";
  for (let i = 0; i < 16; i++) {
    out += hex[bytes[i]];
    if (i === 3 || i === 5 || i === 7 || i === 9) out += "-";
  }
  return out;
}
