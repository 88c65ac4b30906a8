/** Output helpers shared by CLI commands: zkCli-style Stat text and JSON-safe values. */
import type { Stat } from "../client/index.js";

/** A Stat with bigints as hex strings (JSON has no 64-bit integers); shared with the dashboard's API. */
export { statJson } from "../dashboard/index.js";

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

export function printJson(v: unknown): void {
  console.log(JSON.stringify(v, null, 2));
}
