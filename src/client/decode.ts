/**
 * Hand-written readers for hot reply bodies: straight-line reads, no per-field closures (the
 * protocol layer's `record()` combinators iterate field tables, which is fine off the hot path).
 */
import type { JuteReader, Stat } from "../protocol/index.js";

export function readStat(r: JuteReader): Stat {
  return {
    czxid: r.readLong(),
    mzxid: r.readLong(),
    ctime: r.readLongNumber(),
    mtime: r.readLongNumber(),
    version: r.readInt(),
    cversion: r.readInt(),
    aversion: r.readInt(),
    ephemeralOwner: r.readLong(),
    dataLength: r.readInt(),
    numChildren: r.readInt(),
    pzxid: r.readLong(),
  };
}

export function readStrings(r: JuteReader): string[] {
  const n = r.readVectorLength();
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = r.readString() ?? "";
  return out;
}
