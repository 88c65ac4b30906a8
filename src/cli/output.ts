/** Output helpers shared by CLI commands: zkCli-style Stat text and JSON-safe values. */
import type { Stat } from "../client/index.js";

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** The Stat in zkCli's layout, so output looks familiar to ZooKeeper users. */
export function formatStat(s: Stat): string {
  return [
    `cZxid = ${hex(s.czxid)}`,
    `ctime = ${new Date(s.ctime).toISOString()}`,
    `mZxid = ${hex(s.mzxid)}`,
    `mtime = ${new Date(s.mtime).toISOString()}`,
    `pZxid = ${hex(s.pzxid)}`,
    `cversion = ${s.cversion}`,
    `dataVersion = ${s.version}`,
    `aclVersion = ${s.aversion}`,
    `ephemeralOwner = ${hex(s.ephemeralOwner)}`,
    `dataLength = ${s.dataLength}`,
    `numChildren = ${s.numChildren}`,
  ].join("\n");
}

/** A Stat with bigints as hex strings (JSON has no 64-bit integers). */
export function statJson(s: Stat): Record<string, string | number> {
  return {
    czxid: hex(s.czxid),
    mzxid: hex(s.mzxid),
    pzxid: hex(s.pzxid),
    ctime: s.ctime,
    mtime: s.mtime,
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: hex(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}

export function printJson(v: unknown): void {
  console.log(JSON.stringify(v, null, 2));
}
