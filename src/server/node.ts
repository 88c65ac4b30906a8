/**
 * One data tree node and its Stat bookkeeping (PROTOCOL.md §4.1, §7.4): the fields Apache keeps per
 * DataNode, the visible cversion rule, and the hot-path Stat encoder. The tree itself is tree.ts.
 */
import type { ACL, JuteWriter, Stat } from "../protocol/index.js";

export const NodeKind = { normal: 0, ephemeral: 1, container: 2, ttl: 3 } as const;
export type NodeKind = (typeof NodeKind)[keyof typeof NodeKind];

/** Node fields the prep checks read; DataNode satisfies it, and multi overlays copy it. */
export interface NodeView {
  readonly version: number;
  readonly aversion: number;
  /** Stored cversion: the count of child creations (PROTOCOL.md §7.4), not the visible value. */
  readonly cversion: number;
  readonly childCount: number;
  readonly kind: NodeKind;
  readonly acl: readonly ACL[];
}

export const NO_OWNER = 0n;

export class DataNode implements NodeView {
  children: Set<string> | null = null;
  mzxid: number;
  mtime: number;
  pzxid: number;
  version = 0;
  cversion = 0;
  aversion = 0;
  /** Id of the snapshot that already holds this node (see SnapshotCow); 0 = none. */
  snapMark = 0;

  constructor(
    public data: Buffer | null,
    public acl: readonly ACL[],
    readonly kind: NodeKind,
    /** Session id for ephemerals; 0 for every other kind (containers and TTL nodes show 0 too). */
    readonly owner: bigint,
    /** TTL in ms for TTL nodes, else 0. */
    readonly ttl: number,
    readonly czxid: number,
    readonly ctime: number,
  ) {
    this.mzxid = czxid;
    this.mtime = ctime;
    this.pzxid = czxid;
  }

  get childCount(): number {
    return this.children === null ? 0 : this.children.size;
  }

  /** Visible cversion = creations + deletions = 2 × stored − numChildren, as a signed int32. */
  get visibleCversion(): number {
    return (2 * this.cversion - this.childCount) | 0;
  }

  get dataLength(): number {
    return this.data === null ? 0 : this.data.length;
  }

  stat(): Stat {
    return {
      czxid: BigInt(this.czxid),
      mzxid: BigInt(this.mzxid),
      ctime: this.ctime,
      mtime: this.mtime,
      version: this.version,
      cversion: this.visibleCversion,
      aversion: this.aversion,
      ephemeralOwner: this.owner,
      dataLength: this.dataLength,
      numChildren: this.childCount,
      pzxid: BigInt(this.pzxid),
    };
  }

  /** Hot path: the 68-byte Stat written straight from the node, no intermediate object. */
  writeStat(w: JuteWriter): void {
    w.writeLongNumber(this.czxid)
      .writeLongNumber(this.mzxid)
      .writeLongNumber(this.ctime)
      .writeLongNumber(this.mtime)
      .writeInt(this.version)
      .writeInt(this.visibleCversion)
      .writeInt(this.aversion);
    // Most nodes have no owner: two zero ints, without BigInt → bytes conversion.
    if (this.owner === NO_OWNER) w.writeInt(0).writeInt(0);
    else w.writeLong(this.owner);
    w.writeInt(this.dataLength).writeInt(this.childCount).writeLongNumber(this.pzxid);
  }
}
