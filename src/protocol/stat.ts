/**
 * Stat (PROTOCOL.md §4.1): 68 bytes, in nearly every reply. Written out by hand rather than with
 * `record()`: straight-line reads and writes, no field table, no per-field calls.
 */
import type { Codec } from "./codec.js";
import type { JuteReader, JuteWriter } from "./jute.js";

/** Stat: 68 bytes. Times are ms since the epoch. */
export interface Stat {
  czxid: bigint;
  mzxid: bigint;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

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

export function writeStat(w: JuteWriter, s: Stat): void {
  w.writeLong(s.czxid)
    .writeLong(s.mzxid)
    .writeLongNumber(s.ctime)
    .writeLongNumber(s.mtime)
    .writeInt(s.version)
    .writeInt(s.cversion)
    .writeInt(s.aversion)
    .writeLong(s.ephemeralOwner)
    .writeInt(s.dataLength)
    .writeInt(s.numChildren)
    .writeLong(s.pzxid);
}

export const Stat: Codec<Stat> = { read: readStat, write: writeStat };
