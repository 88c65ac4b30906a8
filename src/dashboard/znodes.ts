/** The znode browser's read: a node's data, Stat and (paged, sorted) children. */
import type { Stat, ZooKeeperClient } from "../client/index.js";
import { showData } from "./detail.js";

export interface ZnodeView {
  path: string;
  data: unknown;
  stat: Record<string, string | number>;
  children: string[];
  numChildren: number;
  offset: number;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

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

export async function readZnode(
  client: ZooKeeperClient,
  path: string,
  offset: number,
  limit: number,
): Promise<ZnodeView> {
  const [got, kids] = await Promise.all([client.getData(path), client.getChildren(path)]);
  const sorted = kids.sort();
  return {
    path,
    data: showData(got.data),
    stat: statJson(got.stat),
    children: sorted.slice(offset, offset + limit),
    numChildren: sorted.length,
    offset,
  };
}
