/**
 * Hand-written readers for hot reply bodies: straight-line reads, no per-field closures (the
 * protocol layer's `record()` combinators iterate field tables, which is fine off the hot path).
 */
import type { JuteReader } from "../protocol/index.js";

export { readStat } from "../protocol/index.js";

export function readStrings(r: JuteReader): string[] {
  const n = r.readVectorLength();
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = r.readString() ?? "";
  return out;
}
