/**
 * The in-memory data tree and its Stat bookkeeping (PROTOCOL.md §4.1, §7.4, §7.10, §8). Only the raw
 * mutators live here; the checks that decide whether a mutation is allowed are in prep.ts, and the
 * mutations are driven by applyTxn (txn.ts) so a txn log can replay them later.
 */
import { EventType, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, parentOf, type ACL } from "../protocol/index.js";
import { DataNode, NO_OWNER, NodeKind } from "./node.js";

export { DataNode, NodeKind, type NodeView } from "./node.js";

/** What the tree tells the watch manager; fired synchronously inside each mutation (PROTOCOL.md §6.4). */
export interface TreeEvents {
  /** NodeCreated / NodeDeleted / NodeDataChanged on `path`; `acl` is the node's (for the READ filter);
   * `node` the created node (events that carry data). */
  nodeEvent(type: number, path: string, acl: readonly ACL[], node?: DataNode): void;
  /** NodeChildrenChanged on `parentPath`; `acl` is the parent's. */
  childEvent(parentPath: string, acl: readonly ACL[]): void;
  /** Around a multi: events are delivered at its end, in order (WatchManager.holdEvents). */
  holdEvents?(): void;
  releaseEvents?(): void;
}

/**
 * A running snapshot's copy-on-write hook (storage/snapshot.ts): before a node that existed when
 * the snapshot began changes for the first time, its old state is handed to `preserve`, so the
 * snapshot is an exact image of the tree at its zxid even though it is written across many turns.
 */
export interface SnapshotCow {
  readonly id: number;
  preserve(path: string, node: DataNode): void;
}

/** Identical ACL lists share one array (most trees use a handful): ~100 bytes saved per node. */
const ACL_CACHE_LIMIT = 10_000;

/** Paths that can never be deleted (PROTOCOL.md §7.3). */
export const SPECIAL_PATHS: ReadonlySet<string> = new Set([
  "/",
  "/zookeeper",
  "/zookeeper/quota",
  "/zookeeper/config",
]);

function sameAcl(a: readonly ACL[], b: readonly ACL[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return false;
    if (x.perms !== y.perms || x.id.scheme !== y.id.scheme || x.id.id !== y.id.id) return false;
  }
  return true;
}

function childName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export class DataTree {
  private readonly nodes = new Map<string, DataNode>();
  /** Ephemeral paths per owning session, for closeSession and getEphemerals. */
  private readonly ephemerals = new Map<bigint, Set<string>>();
  /** Container and TTL paths, scanned by the reaper. */
  readonly containers = new Set<string>();
  readonly ttls = new Set<string>();
  private dataBytes = 0;
  /** The zxid of the last setACL (a read's NoAuth or aversion may reveal it: reads.ts readZxid). */
  aclZxid = 0;
  private readonly aclCache = new Map<string, readonly ACL[]>();
  /** The list internAcl returned last. */
  private lastAcl: readonly ACL[] | null = null;
  /** Set while a snapshot is being written. */
  cow: SnapshotCow | null = null;

  constructor(private readonly events: TreeEvents) {
    const empty = Buffer.alloc(0);
    const add = (path: string, acl: readonly ACL[]): DataNode => {
      const n = new DataNode(empty, acl, NodeKind.normal, NO_OWNER, 0, 0, 0);
      this.nodes.set(path, n);
      if (path !== "/") this.linkChild(path);
      return n;
    };
    add("/", OPEN_ACL_UNSAFE);
    add("/zookeeper", OPEN_ACL_UNSAFE);
    add("/zookeeper/quota", OPEN_ACL_UNSAFE);
    // Apache creates the config node and then setACLs it with version -1, which leaves aversion -1.
    add("/zookeeper/config", READ_ACL_UNSAFE).aversion = -1;
  }

  /** Runs `apply` (a multi's ops) with its watch events delivered at its end, in order. */
  withEventsHeld(apply: () => void): void {
    const events = this.events;
    if (events.holdEvents === undefined) return apply();
    events.holdEvents();
    try {
      apply();
    } finally {
      events.releaseEvents?.();
    }
  }

  private linkChild(path: string, parentPath = parentOf(path)): DataNode {
    const parent = this.nodes.get(parentPath);
    if (parent === undefined) throw new Error(`internal: parent of ${path} missing`);
    this.beforeChange(parentPath, parent);
    (parent.children ??= new Set()).add(childName(path));
    return parent;
  }

  private beforeChange(path: string, node: DataNode): void {
    const cow = this.cow;
    if (cow !== null && node.snapMark !== cow.id) {
      node.snapMark = cow.id;
      cow.preserve(path, node);
    }
  }

  internAcl(acl: readonly ACL[]): readonly ACL[] {
    // Consecutive creates nearly always carry the same list: compare with the last one first.
    const last = this.lastAcl;
    if (last !== null && sameAcl(acl, last)) return last;
    const interned = this.internAclByKey(acl);
    this.lastAcl = interned;
    return interned;
  }

  private internAclByKey(acl: readonly ACL[]): readonly ACL[] {
    let key = "";
    for (const a of acl) key += `${a.perms}\u0000${a.id.scheme}\u0000${a.id.id}\u0001`;
    const hit = this.aclCache.get(key);
    if (hit !== undefined) return hit;
    if (this.aclCache.size < ACL_CACHE_LIMIT) this.aclCache.set(key, acl);
    return acl;
  }

  /** Every node with its path, in insertion order; live (see Map iteration semantics). */
  entries(): IterableIterator<[string, DataNode]> {
    return this.nodes.entries();
  }

  /** Replace the whole tree with nodes read from a snapshot (no events); parents may come in any order. */
  load(nodes: ReadonlyMap<string, DataNode>): void {
    this.nodes.clear();
    this.ephemerals.clear();
    this.containers.clear();
    this.ttls.clear();
    this.dataBytes = 0;
    for (const [path, node] of nodes) {
      node.children = null;
      node.acl = this.internAcl(node.acl);
      this.nodes.set(path, node);
    }
    if (!this.nodes.has("/")) throw new Error("snapshot has no root node");
    for (const [path, node] of this.nodes) {
      this.dataBytes += path.length + node.dataLength;
      if (path === "/") continue;
      const parent = this.nodes.get(parentOf(path));
      if (parent === undefined) throw new Error(`snapshot node ${path} has no parent`);
      (parent.children ??= new Set()).add(childName(path));
      this.track(path, node);
    }
  }

  private track(path: string, node: DataNode): void {
    if (node.kind === NodeKind.ephemeral) {
      let set = this.ephemerals.get(node.owner);
      if (set === undefined) this.ephemerals.set(node.owner, (set = new Set()));
      set.add(path);
    } else if (node.kind === NodeKind.container) this.containers.add(path);
    else if (node.kind === NodeKind.ttl) this.ttls.add(path);
  }

  get(path: string): DataNode | undefined {
    return this.nodes.get(path);
  }

  /** Apache counts the root twice ("" and "/"), so a fresh tree reports 5; mirrored for 4lw output. */
  get nodeCount(): number {
    return this.nodes.size + 1;
  }

  get approximateDataSize(): number {
    return this.dataBytes;
  }

  get ephemeralCount(): number {
    let n = 0;
    for (const s of this.ephemerals.values()) n += s.size;
    return n;
  }

  ephemeralsOf(sessionId: bigint): ReadonlySet<string> {
    return this.ephemerals.get(sessionId) ?? new Set();
  }

  /** Number of descendants of `path` (getAllChildrenNumber). */
  descendantCount(path: string): number {
    const node = this.nodes.get(path);
    if (node?.children == null) return 0;
    let n = 0;
    for (const c of node.children) n += 1 + this.descendantCount(path === "/" ? `/${c}` : `${path}/${c}`);
    return n;
  }

  createNode(
    path: string,
    data: Buffer | null,
    acl: readonly ACL[],
    kind: NodeKind,
    owner: bigint,
    ttl: number,
    parentCversion: number,
    zxid: number,
    time: number,
  ): DataNode {
    const node = new DataNode(data, this.internAcl(acl), kind, owner, ttl, zxid, time);
    if (this.cow !== null) node.snapMark = this.cow.id; // born after the snapshot's zxid: not in it
    const parentPath = parentOf(path);
    const parent = this.linkChild(path, parentPath);
    parent.cversion = parentCversion;
    parent.pzxid = zxid;
    this.nodes.set(path, node);
    this.dataBytes += path.length + node.dataLength;
    this.track(path, node);
    this.events.nodeEvent(EventType.NodeCreated, path, acl, node);
    this.events.childEvent(parentPath, parent.acl);
    return node;
  }

  deleteNode(path: string, zxid: number): void {
    const node = this.nodes.get(path);
    if (node === undefined) throw new Error(`internal: delete of missing ${path}`);
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath);
    if (parent === undefined) throw new Error(`internal: parent of ${path} missing`);
    this.beforeChange(path, node);
    this.beforeChange(parentPath, parent);
    this.nodes.delete(path);
    parent.children?.delete(childName(path));
    parent.pzxid = zxid;
    this.dataBytes -= path.length + node.dataLength;
    if (node.kind === NodeKind.ephemeral) {
      const set = this.ephemerals.get(node.owner);
      set?.delete(path);
      if (set?.size === 0) this.ephemerals.delete(node.owner);
    } else if (node.kind === NodeKind.container) this.containers.delete(path);
    else if (node.kind === NodeKind.ttl) this.ttls.delete(path);
    this.events.nodeEvent(EventType.NodeDeleted, path, node.acl);
    this.events.childEvent(parentPath, parent.acl);
  }

  setData(path: string, data: Buffer | null, version: number, zxid: number, time: number): DataNode {
    const node = this.nodes.get(path);
    if (node === undefined) throw new Error(`internal: setData of missing ${path}`);
    this.beforeChange(path, node);
    this.dataBytes += (data === null ? 0 : data.length) - node.dataLength;
    node.data = data;
    node.version = version;
    node.mzxid = zxid;
    node.mtime = time;
    // No data with a change (PROTOCOL.md §10): a node rewritten often — a task's log, every few ms while
    // its handler logs — would send its whole data to every watcher of its subtree each time.
    this.events.nodeEvent(EventType.NodeDataChanged, path, node.acl);
    return node;
  }

  setACL(path: string, acl: readonly ACL[], aversion: number): DataNode {
    const node = this.nodes.get(path);
    if (node === undefined) throw new Error(`internal: setACL of missing ${path}`);
    this.beforeChange(path, node);
    node.acl = this.internAcl(acl);
    node.aversion = aversion;
    return node;
  }
}
