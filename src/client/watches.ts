/**
 * Client-side watch tables and fan-out (PROTOCOL.md §6.2, §6.3, §6.5). The server sends one event per
 * connection and path; this maps it onto the local one-shot callbacks (removed as they fire) and
 * the persistent subscriptions. Paths here are client-visible (chroot already stripped).
 */
import { EventType, parentOf, type Stat } from "../protocol/index.js";
import { Channel } from "./channel.js";
import type { Logger } from "./options.js";
import type { NodeEventType, WatchCallback, WatchEvent, WatcherKind } from "./types.js";

const NAMES: Record<number, NodeEventType | undefined> = {
  [EventType.NodeCreated]: "NodeCreated",
  [EventType.NodeDeleted]: "NodeDeleted",
  [EventType.NodeDataChanged]: "NodeDataChanged",
  [EventType.NodeChildrenChanged]: "NodeChildrenChanged",
};

export function eventName(type: number): NodeEventType | undefined {
  return NAMES[type];
}

type Table<T> = Map<string, Set<T>>;

function add<T>(t: Table<T>, path: string, v: T): void {
  let s = t.get(path);
  if (s === undefined) t.set(path, (s = new Set()));
  s.add(v);
}

/** Removes `path`'s set from `t` and merges it into `into` (the removed set itself when `into` is null). */
function take<T>(t: Table<T>, path: string, into: Set<T> | null): Set<T> | null {
  const s = t.get(path);
  if (s === undefined) return into;
  t.delete(path);
  if (into === null) return s;
  for (const v of s) into.add(v);
  return into;
}

/** Up to this many recursive watches, each is matched against an event's path (no parent strings made). */
const SCAN_RECURSIVE = 8;

/** `path` is `root` or lies below it. */
function within(root: string, path: string): boolean {
  if (root === "/" || root === path) return true;
  return path.length > root.length && path.charCodeAt(root.length) === 0x2f && path.startsWith(root);
}

/** A persistent (optionally recursive) watch: an async iterable of events until closed. */
export class PersistentWatch implements AsyncIterable<WatchEvent> {
  readonly channel: Channel<WatchEvent>;

  constructor(
    readonly path: string,
    readonly recursive: boolean,
    private readonly remove: (w: PersistentWatch) => Promise<void>,
  ) {
    this.channel = new Channel<WatchEvent>(() => void this.remove(this));
  }

  #listener: ((ev: WatchEvent) => void) | null = null;

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return this.channel;
  }

  /**
   * Takes every event from now on synchronously, as the client receives it, instead of through
   * iteration: several watches of one client that share a listener see their events in notification
   * order (iterators each resume in a microtask of their own, so two of them fed by one socket read take
   * turns). Events that arrived before it and were not iterated yet (e.g. with addWatch's reply, before
   * its caller could call this) go to the listener first, here. Iteration then yields nothing but still
   * ends, or throws, with the watch. A listener that throws on a later event is logged by the client; the
   * other watches still get the event.
   */
  onEvent(listener: (ev: WatchEvent) => void): void {
    this.#listener = listener;
    for (const ev of this.channel.takeBuffered()) listener(ev);
  }

  /** The client's delivery of one event (WatchManager). */
  deliver(ev: WatchEvent): void {
    if (this.channel.closed) return;
    if (this.#listener === null) this.channel.push(ev);
    else this.#listener(ev);
  }

  /** Stop watching: ends iteration; removes the server-side watch if no other local one needs it. */
  async close(): Promise<void> {
    if (this.channel.closed) return;
    this.channel.end();
    await this.remove(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Runs `send`, whose encoder calls the `written` it is given when the request goes on the wire:
 * `onWritten` then, `onAnswered` once after it settles (reply or failure) — only if it was written.
 * The in-flight bookkeeping of addWatch and of reads that leave a one-shot watch (WatchManager).
 */
export function whileInFlight<T>(
  send: (written: () => void) => Promise<T>,
  onWritten: () => void,
  onAnswered: () => void,
): Promise<T> {
  let inFlight = false;
  const p = send(() => {
    if (!inFlight) onWritten();
    inFlight = true;
  });
  const done = (): void => {
    if (inFlight) onAnswered();
    inFlight = false;
  };
  p.then(done, done);
  return p;
}

export interface WatchSnapshot {
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  persistentRecursive: string[];
}

export class WatchManager {
  private readonly data: Table<WatchCallback> = new Map();
  private readonly exist: Table<WatchCallback> = new Map();
  private readonly child: Table<WatchCallback> = new Map();
  private readonly persistent: Table<PersistentWatch> = new Map();
  private readonly recursive: Table<PersistentWatch> = new Map();
  /** addWatch requests written and not answered yet, per path: how many of each mode. */
  private readonly requested = new Map<string, { plain: number; recursive: number }>();
  /** Reads with a one-shot watch written and not answered yet (their watch is registered on the reply). */
  private readonly reading = new Map<string, number>();
  /**
   * Paths whose persistent watches were all closed while one-shot watches there were registered or on
   * their way: the server's persistent watch stays (it may be what delivers their events, see
   * heldByPersistent) and is removed once nothing on the path needs it.
   */
  private readonly orphaned = new Set<string>();
  /** Removes this session's server-side watches on `path` (the client's removeWatches, type Any). */
  onOrphanIdle: ((path: string) => void) | null = null;

  constructor(private readonly log: Logger) {}

  /** A read with a one-shot watch on `path` is on the wire. */
  readSent(path: string): void {
    this.reading.set(path, (this.reading.get(path) ?? 0) + 1);
  }

  /** That read was answered (its watch, if any, is registered by now) or failed. */
  readAnswered(path: string): void {
    const n = this.reading.get(path);
    if (n === undefined) return;
    if (n <= 1) this.reading.delete(path);
    else this.reading.set(path, n - 1);
    this.releaseOrphan(path);
  }

  /** An addWatch for `path` is on the wire: until it is answered, one-shot watches there stay local. */
  persistentSent(path: string, recursive: boolean): void {
    this.orphaned.delete(path); // wanted again: not removed when its one-shot watches are gone
    let r = this.requested.get(path);
    if (r === undefined) this.requested.set(path, (r = { plain: 0, recursive: 0 }));
    if (recursive) r.recursive++;
    else r.plain++;
  }

  /** The addWatch for `path` was answered (its watch, if granted, is in the tables by now) or failed. */
  persistentAnswered(path: string, recursive: boolean): void {
    const r = this.requested.get(path);
    if (r === undefined) return;
    if (recursive) r.recursive--;
    else r.plain--;
    if (r.plain <= 0 && r.recursive <= 0) this.requested.delete(path);
  }

  /**
   * Whether a one-shot watch of `kind` on `path` is left to this client's persistent watch there rather
   * than set on the server (the request goes without its watch flag; the callback is registered here as
   * usual and fires from the persistent watch's events). Apache ZooKeeper before 3.9 keeps one watch mode
   * per connection and path (ZOOKEEPER-4466): a standard data or exist watch on the path of a persistent
   * watch replaces it — the persistent watch stops delivering, and is gone once the standard one fires;
   * a standard child watch does the same to a plain persistent watch. The persistent watch delivers every
   * event the one-shot waits for, except NodeChildrenChanged when recursive: a child watch there is still
   * set on the server, where it does no harm (Apache's recursive delivery runs through its data watches).
   */
  heldByPersistent(path: string, kind: "data" | "child"): boolean {
    const r = this.requested.get(path);
    if (this.persistent.has(path) || (r !== undefined && r.plain > 0)) return true;
    return kind === "data" && (this.recursive.has(path) || (r !== undefined && r.recursive > 0));
  }

  addData(path: string, cb: WatchCallback): void {
    add(this.data, path, cb);
  }
  addExist(path: string, cb: WatchCallback): void {
    add(this.exist, path, cb);
  }
  addChild(path: string, cb: WatchCallback): void {
    add(this.child, path, cb);
  }
  addPersistent(w: PersistentWatch): void {
    add(w.recursive ? this.recursive : this.persistent, w.path, w);
  }

  /**
   * Forget one persistent watch; true when the server's watches on its path are to be removed now:
   * nothing else on the path needs them. One-shot watches there (registered, or on a read in flight)
   * keep it until they are gone (then `onOrphanIdle`).
   */
  dropPersistent(w: PersistentWatch): boolean {
    const t = w.recursive ? this.recursive : this.persistent;
    const s = t.get(w.path);
    s?.delete(w);
    if (s?.size === 0) t.delete(w.path);
    if (this.persistent.has(w.path) || this.recursive.has(w.path)) return false;
    if (!this.anyOn(w.path)) return true;
    this.orphaned.add(w.path);
    return false;
  }

  private anyOn(path: string): boolean {
    return (
      this.reading.has(path) ||
      [this.data, this.exist, this.child, this.persistent, this.recursive].some((m) => m.has(path))
    );
  }

  /** Once nothing on `path` needs it, an orphaned server-side persistent watch there is removed. */
  private releaseOrphan(path: string): void {
    if (this.orphaned.size === 0 || !this.orphaned.has(path) || this.anyOn(path)) return;
    this.orphaned.delete(path);
    this.onOrphanIdle?.(path);
  }

  has(path: string, kind: WatcherKind): boolean {
    const dataLike = this.data.has(path) || this.exist.has(path);
    const persistent = this.persistent.has(path) || this.recursive.has(path);
    if (kind === "data") return dataLike || persistent;
    if (kind === "children") return this.child.has(path) || persistent;
    return dataLike || this.child.has(path) || persistent;
  }

  /**
   * Drops one one-shot callback from `path` (data: its data and exist watches; children: its child
   * watches). `needed`: the server's watch of that kind still serves something of this client — another
   * callback there, a read with a watch on its way, a persistent watch on the path — so it must stay.
   */
  removeCallback(
    path: string,
    cb: WatchCallback,
    kind: "data" | "children",
  ): { found: boolean; needed: boolean } {
    const tables = kind === "data" ? [this.data, this.exist] : [this.child];
    let found = false;
    for (const t of tables) {
      const set = t.get(path);
      if (set?.delete(cb) !== true) continue;
      found = true;
      if (set.size === 0) t.delete(path);
    }
    const needed =
      tables.some((t) => t.has(path)) ||
      this.reading.has(path) ||
      this.requested.has(path) ||
      this.persistent.has(path) ||
      this.recursive.has(path);
    return { found, needed };
  }

  /** Drop local watches after the server removed them (removeWatches). */
  remove(path: string, kind: WatcherKind): void {
    if (kind !== "children") {
      this.data.delete(path);
      this.exist.delete(path);
    }
    if (kind !== "data") this.child.delete(path);
    if (kind === "any") {
      for (const t of [this.persistent, this.recursive]) {
        for (const w of t.get(path) ?? []) w.channel.end();
        t.delete(path);
      }
      this.orphaned.delete(path); // the server removed every watch on the path
    } else this.releaseOrphan(path);
  }

  get isEmpty(): boolean {
    return (
      this.data.size + this.exist.size + this.child.size + this.persistent.size + this.recursive.size === 0
    );
  }

  /** What a new connection registers again (SetWatches); orphaned persistent watches are not part of it. */
  snapshot(): WatchSnapshot {
    this.orphaned.clear();
    return {
      data: [...this.data.keys()],
      exist: [...this.exist.keys()],
      child: [...this.child.keys()],
      persistent: [...this.persistent.keys()],
      persistentRecursive: [...this.recursive.keys()],
    };
  }

  /** Deliver one server notification per PROTOCOL.md §6.3 (one-shot) and §6.5 (persistent). */
  /** Fires the watches an event triggers; `data` and `stat` come from a server that sends them
   * (protocol/extensions.ts) and are passed on in the event. */
  dispatch(type: number, path: string, data?: Buffer | null, stat?: Stat): void {
    const name = eventName(type);
    if (name === undefined) {
      this.log.warn({ type, path }, "zookeeper: ignoring unknown watch event type");
      return;
    }
    const event: WatchEvent = stat === undefined ? { type: name, path } : { type: name, path, data, stat };
    // The removed sets are reused as the set to fire (a callback on several lists fires once).
    let fire: Set<WatchCallback> | null = null;
    if (type === EventType.NodeDataChanged || type === EventType.NodeCreated) {
      fire = take(this.data, path, fire);
      fire = take(this.exist, path, fire);
    } else if (type === EventType.NodeChildrenChanged) {
      fire = take(this.child, path, fire);
    } else {
      fire = take(this.data, path, fire);
      fire = take(this.exist, path, fire);
      fire = take(this.child, path, fire);
    }
    const persistent = this.persistent.size > 0 ? this.persistent.get(path) : undefined;
    if (persistent !== undefined) for (const w of persistent) this.deliver(w, event);
    if (this.recursive.size > 0 && type !== EventType.NodeChildrenChanged) this.pushRecursive(path, event);
    if (fire === null) return;
    for (const cb of fire) {
      try {
        cb(event);
      } catch (err) {
        this.log.error({ err, event }, "zookeeper watch callback threw");
      }
    }
    this.releaseOrphan(path);
  }

  private deliver(w: PersistentWatch, event: WatchEvent): void {
    try {
      w.deliver(event);
    } catch (err) {
      this.log.error({ err, event }, "zookeeper persistent watch listener threw");
    }
  }

  /** Delivers `event` to every recursive watch on `path` or an ancestor of it. */
  private pushRecursive(path: string, event: WatchEvent): void {
    if (this.recursive.size <= SCAN_RECURSIVE) {
      for (const [root, set] of this.recursive)
        if (within(root, path)) for (const w of set) this.deliver(w, event);
      return;
    }
    for (let p = path; ; p = parentOf(p)) {
      const set = this.recursive.get(p);
      if (set !== undefined) for (const w of set) this.deliver(w, event);
      if (p === "/") break;
    }
  }

  /** The session is gone: one-shot watches are dropped, persistent iterators end (with `err` if given). */
  clear(err: Error | null): void {
    this.orphaned.clear();
    this.data.clear();
    this.exist.clear();
    this.child.clear();
    for (const t of [this.persistent, this.recursive]) {
      for (const set of t.values())
        for (const w of set) {
          if (err === null) w.channel.end();
          else w.channel.fail(err);
        }
      t.clear();
    }
  }
}
