/**
 * Server-side watch tables (PROTOCOL.md §6.2–§6.6). Watches are per connection. One-shot data/exist
 * and child watches, plus persistent and persistent-recursive watches from addWatch, kept in four
 * separate tables: unlike Apache 3.8 (one mode per connection and path), a standard watch never
 * overwrites a persistent one. Every event reaches a connection at most once.
 */
import { EventType, Perms, WatcherType, parentOf, type ACL } from "../protocol/index.js";
import { checkAcl } from "./acl.js";
import type { DataNode } from "./node.js";
import type { TreeEvents } from "./tree.js";
import type { Id } from "../protocol/index.js";

/** The watch paths a connection holds, so closing it can drop them all. */
export class WatchSet {
  readonly data = new Set<string>();
  readonly child = new Set<string>();
  readonly persistent = new Set<string>();
  readonly recursive = new Set<string>();
}

export interface Watcher {
  readonly watches: WatchSet;
  readonly authIds: readonly Id[];
  /** Queue the notification frame for a WatcherEvent(type, SyncConnected, path); `node` is the node
   * a NodeCreated is about, for connections whose events carry data. */
  notify(type: number, path: string, node?: DataNode): void;
}

/** An event delivery held back until the end of a multi (see WatchManager.holdEvents). */
interface HeldEvent {
  readonly w: Watcher;
  readonly type: number;
  readonly path: string;
  readonly node: DataNode | undefined;
}

type Table = Map<string, Set<Watcher>>;

/** Up to this many recursively watched paths, an event tests each of them instead of its ancestors. */
const RECURSIVE_SCAN_LIMIT = 8;
const SLASH = 0x2f;

function add(table: Table, path: string, w: Watcher): void {
  let set = table.get(path);
  if (set === undefined) table.set(path, (set = new Set()));
  set.add(w);
}

function remove(table: Table, path: string, w: Watcher): boolean {
  const set = table.get(path);
  if (set === undefined || !set.delete(w)) return false;
  if (set.size === 0) table.delete(path);
  return true;
}

export class WatchManager implements TreeEvents {
  private readonly data: Table = new Map();
  private readonly child: Table = new Map();
  private readonly persistent: Table = new Map();
  private readonly recursive: Table = new Map();
  /** Deliveries of the multi being applied, or null outside one. */
  private held: HeldEvent[] | null = null;

  /**
   * While a multi applies, events are queued instead of written, and `releaseEvents` writes them in
   * the same order at its end: an event that carries data (protocol/extensions.ts) then shows the node
   * as the whole multi left it — what a read after the event would return — not a state between two of
   * its ops that no client could ever read.
   */
  holdEvents(): void {
    this.held ??= [];
  }

  releaseEvents(): void {
    const held = this.held;
    this.held = null;
    if (held !== null) for (const e of held) e.w.notify(e.type, e.path, e.node);
  }

  get count(): number {
    let n = 0;
    for (const t of [this.data, this.child, this.persistent, this.recursive])
      for (const s of t.values()) n += s.size;
    return n;
  }

  get pathCount(): number {
    const paths = new Set<string>();
    for (const t of [this.data, this.child, this.persistent, this.recursive])
      for (const p of t.keys()) paths.add(p);
    return paths.size;
  }

  addDataWatch(path: string, w: Watcher): void {
    add(this.data, path, w);
    w.watches.data.add(path);
  }

  addChildWatch(path: string, w: Watcher): void {
    add(this.child, path, w);
    w.watches.child.add(path);
  }

  addPersistent(path: string, w: Watcher, recursive: boolean): void {
    add(recursive ? this.recursive : this.persistent, path, w);
    (recursive ? w.watches.recursive : w.watches.persistent).add(path);
  }

  /** Drop everything a closing connection registered. */
  removeWatcher(w: Watcher): void {
    for (const p of w.watches.data) remove(this.data, p, w);
    for (const p of w.watches.child) remove(this.child, p, w);
    for (const p of w.watches.persistent) remove(this.persistent, p, w);
    for (const p of w.watches.recursive) remove(this.recursive, p, w);
    w.watches.data.clear();
    w.watches.child.clear();
    w.watches.persistent.clear();
    w.watches.recursive.clear();
  }

  /** checkWatches (remove=false) / removeWatches (remove=true); false means NOWATCHER. */
  matchWatches(path: string, type: number, w: Watcher, removeThem: boolean): boolean {
    const kinds: [Table, Set<string>][] = [];
    if (type === WatcherType.Data || type === WatcherType.Any) kinds.push([this.data, w.watches.data]);
    if (type === WatcherType.Children || type === WatcherType.Any) kinds.push([this.child, w.watches.child]);
    if (type === WatcherType.Any) {
      kinds.push([this.persistent, w.watches.persistent], [this.recursive, w.watches.recursive]);
    }
    let found = false;
    for (const [table, mine] of kinds) {
      if (!mine.has(path)) continue;
      found = true;
      if (removeThem) {
        remove(table, path, w);
        mine.delete(path);
      }
    }
    return found;
  }

  nodeEvent(type: number, path: string, acl: readonly ACL[], node?: DataNode): void {
    const oneShot = this.data.get(path);
    const persistent = this.persistent.get(path);
    const deletedChildWatch = type === EventType.NodeDeleted ? this.child.get(path) : undefined;
    if (
      oneShot === undefined &&
      persistent === undefined &&
      deletedChildWatch === undefined &&
      this.recursive.size === 0
    ) {
      return; // the common case: nobody watches this path
    }
    const targets = new Set<Watcher>();
    if (oneShot !== undefined) {
      this.data.delete(path);
      for (const w of oneShot) {
        w.watches.data.delete(path);
        targets.add(w);
      }
    }
    if (persistent !== undefined) for (const w of persistent) targets.add(w);
    if (this.recursive.size > 0) this.addRecursive(path, targets);
    // A deleted node's child watchers also hear NodeDeleted; the Set dedups connections (PROTOCOL.md §6.3).
    if (deletedChildWatch !== undefined) {
      this.child.delete(path);
      for (const w of deletedChildWatch) {
        w.watches.child.delete(path);
        targets.add(w);
      }
    }
    this.deliver(targets, type, path, acl, node);
  }

  /** Recursive watchers on `path` or an ancestor. Few watched paths: test each one against `path`
   * (no ancestor strings to slice and hash); many: look each ancestor up. */
  private addRecursive(path: string, targets: Set<Watcher>): void {
    if (this.recursive.size <= RECURSIVE_SCAN_LIMIT) {
      for (const [p, set] of this.recursive) {
        if (p === "/" || p === path || (path.startsWith(p) && path.charCodeAt(p.length) === SLASH)) {
          for (const w of set) targets.add(w);
        }
      }
      return;
    }
    for (let p = path; ; p = parentOf(p)) {
      const set = this.recursive.get(p);
      if (set !== undefined) for (const w of set) targets.add(w);
      if (p === "/") break;
    }
  }

  childEvent(parentPath: string, acl: readonly ACL[]): void {
    if (this.child.size === 0 && this.persistent.size === 0) return;
    const oneShot = this.child.get(parentPath);
    const persistent = this.persistent.get(parentPath);
    if (oneShot === undefined && persistent === undefined) return;
    const targets = new Set<Watcher>(persistent);
    if (oneShot !== undefined) {
      this.child.delete(parentPath);
      for (const w of oneShot) {
        w.watches.child.delete(parentPath);
        targets.add(w);
      }
    }
    // Recursive watchers never receive NodeChildrenChanged (PROTOCOL.md §6.5).
    this.deliver(targets, EventType.NodeChildrenChanged, parentPath, acl);
  }

  /** An event for one connection only (SetWatches catch-up). */
  notifyOne(w: Watcher, type: number, path: string): void {
    w.notify(type, path);
  }

  private deliver(
    targets: Set<Watcher>,
    type: number,
    path: string,
    acl: readonly ACL[],
    node?: DataNode,
  ): void {
    if (targets.size === 0) return;
    const held = this.held;
    for (const w of targets) {
      // Since 3.8.4 (CVE-2024-23944) a watcher without READ on the node does not hear about it.
      if (!checkAcl(acl, Perms.READ, w.authIds)) continue;
      if (held !== null) held.push({ w, type, path, node });
      else w.notify(type, path, node);
    }
  }
}
