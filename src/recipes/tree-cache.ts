/**
 * A local copy of a subtree, kept current by one persistent recursive watch (addWatch).
 *
 * ```ts
 * const cache = new TreeCache(client, { path: "/app/config" });
 * cache.on("change", (e) => console.log(e.type, e.path));
 * await cache.start();                   // resolves after the initial load
 * cache.get("/app/config/db")?.data;
 * ```
 *
 * The watch is registered BEFORE the initial load, so every change after the load's reads produces
 * an event. Events are handled one at a time, in arrival order, each by re-reading the node it
 * names; a change event is emitted only when what we read differs from the cache (by mzxid), so
 * events describe real transitions, in order, and the cache converges to the tree once the queue
 * drains. Events missed while disconnected are not replayed by servers, so after `reconnected` (and
 * after any failed read) the whole subtree is re-read and diffed against the cache: the differences
 * are emitted as ordinary events. Session loss is final (state "lost"); build a new cache on a new client.
 */
import {
  NoNodeError,
  isRetriable,
  type Logger,
  type PersistentWatch,
  type Stat,
  type StateEvent,
  type WatchEvent,
  type ZooKeeperClient,
} from "../client/index.js";
import { RecipeError } from "./errors.js";
import { ChannelSet, Listeners } from "./events.js";
import { SILENT, backoff, join, pause } from "./internal.js";
import { checkLogger, checkRecipePath } from "./options.js";
import { loadTree, type CachedNode } from "./load-tree.js";

export type { CachedNode } from "./load-tree.js";

export type TreeCacheEvent =
  | { type: "added" | "updated"; path: string; node: CachedNode }
  | { type: "removed"; path: string; node: CachedNode };

export interface TreeCacheOptions {
  /** Root of the cached subtree (it may not exist yet). */
  path: string;
  /** pino-compatible logger; default silent. */
  logger?: Logger;
}

interface CacheEvents {
  change: (event: TreeCacheEvent) => void;
  /** Every queued event was applied: the cache equalled the tree at some recent moment. */
  synced: () => void;
}

type Job = { type: "event"; event: WatchEvent } | { type: "resync" };

export class TreeCache implements AsyncDisposable {
  readonly path: string;
  private readonly log: Logger;
  private readonly nodes = new Map<string, CachedNode>();
  private readonly kids = new Map<string, Set<string>>();
  private readonly events: Listeners<CacheEvents>;
  private readonly changeSet = new ChannelSet<TreeCacheEvent>();
  private readonly jobs: Job[] = [];
  private readonly stopped = new AbortController();
  private watch: PersistentWatch | null = null;
  private running = false;
  private state: "latent" | "started" | "closed" = "latent";
  private readonly onState = (e: StateEvent): void => this.handleState(e);

  constructor(
    private readonly client: ZooKeeperClient,
    opts: TreeCacheOptions,
  ) {
    this.path = checkRecipePath("path", opts.path);
    this.log = checkLogger(opts.logger) ?? SILENT;
    this.events = new Listeners(this.log);
  }

  /** Registers the watch, loads the subtree; resolves once the cache holds it. */
  async start(): Promise<void> {
    if (this.state !== "latent") throw new RecipeError("TreeCache.start() may be called once");
    this.state = "started";
    this.client.on("state", this.onState);
    // Events that arrive during the load wait in the queue: applying one before the load's (possibly
    // older) reads would let the load move a node backwards.
    this.running = true;
    try {
      this.watch = await this.client.addWatch(this.path, { recursive: true });
      void this.pump(this.watch);
      this.apply(await loadTree(this.client, this.path));
    } finally {
      this.running = false;
    }
    this.events.emit("synced");
    this.kick();
  }

  get(path: string): CachedNode | undefined {
    return this.nodes.get(path);
  }

  /** Names of the cached children of `path`, sorted. */
  children(path: string): string[] {
    return [...(this.kids.get(path) ?? [])].sort();
  }

  /** Every cached node, keyed by full path. */
  entries(): IterableIterator<[string, CachedNode]> {
    return this.nodes.entries();
  }

  get size(): number {
    return this.nodes.size;
  }

  /** True when no event is waiting to be applied. */
  get idle(): boolean {
    return !this.running && this.jobs.length === 0;
  }

  on<K extends keyof CacheEvents>(event: K, listener: CacheEvents[K]): this {
    this.events.on(event, listener);
    return this;
  }

  off<K extends keyof CacheEvents>(event: K, listener: CacheEvents[K]): this {
    this.events.off(event, listener);
    return this;
  }

  /** Change events from now on, in order; ends on close or session loss. */
  changes(): AsyncIterableIterator<TreeCacheEvent> {
    return this.changeSet.open();
  }

  /** Stops watching. Safe to call twice. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    this.stopped.abort();
    this.client.off("state", this.onState);
    this.changeSet.end();
    await this.watch?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async pump(watch: PersistentWatch): Promise<void> {
    try {
      for await (const event of watch) this.enqueue({ type: "event", event });
    } catch (err) {
      // The iteration fails only when the session is lost; handleState reports that.
      this.log.debug({ err, path: this.path }, "tree cache: watch ended");
    }
  }

  private handleState(e: StateEvent): void {
    if (e.type === "reconnected") this.enqueue({ type: "resync" });
    else if (e.type === "lost" || e.type === "closed") void this.close();
  }

  private enqueue(job: Job): void {
    if (this.state !== "started") return;
    this.jobs.push(job);
    this.kick();
  }

  private kick(): void {
    if (this.running || this.jobs.length === 0 || this.state !== "started") return;
    this.running = true;
    void this.drain().finally(() => (this.running = false));
  }

  private async drain(): Promise<void> {
    let failures = 0;
    for (
      let job = this.jobs.shift();
      job !== undefined && this.state === "started";
      job = this.jobs.shift()
    ) {
      try {
        if (job.type === "resync") this.apply(await loadTree(this.client, this.path));
        else await this.refresh(job.event.path);
        failures = 0;
      } catch (err) {
        if (this.state !== "started") return;
        // A read failed (connection trouble): some event may be half-applied, so re-read everything.
        this.log.debug({ err, path: this.path }, "tree cache: read failed; resyncing");
        this.jobs.unshift({ type: "resync" });
        await pause(backoff(failures++), this.stopped.signal);
      }
    }
    if (this.state === "started") this.events.emit("synced");
  }

  private async refresh(path: string): Promise<void> {
    let fresh: { data: Buffer | null; stat: Stat } | null = null;
    try {
      fresh = await this.client.getData(path);
    } catch (err) {
      if (!(err instanceof NoNodeError) || isRetriable(err)) throw err;
    }
    if (fresh === null) this.removeSubtree(path);
    else this.put(path, fresh);
  }

  /** Makes the cache equal `tree` (a fresh load), emitting the differences. */
  private apply(tree: Map<string, CachedNode>): void {
    for (const path of [...this.nodes.keys()]) if (!tree.has(path)) this.removeSubtree(path);
    // Parents before children, so "added" events arrive top-down.
    for (const path of [...tree.keys()].sort(byDepth)) this.put(path, tree.get(path) as CachedNode);
  }

  private put(path: string, node: CachedNode): void {
    const old = this.nodes.get(path);
    // Same incarnation (czxid) and not newer: nothing happened, or this read is older than ours.
    if (old !== undefined && old.stat.czxid === node.stat.czxid && node.stat.mzxid <= old.stat.mzxid) return;
    if (old !== undefined && old.stat.czxid !== node.stat.czxid) this.removeSubtree(path);
    const existed = this.nodes.has(path);
    this.nodes.set(path, node);
    if (path !== this.path) {
      const parent = path.slice(0, path.lastIndexOf("/")) || "/";
      let set = this.kids.get(parent);
      if (set === undefined) this.kids.set(parent, (set = new Set()));
      set.add(path.slice(path.lastIndexOf("/") + 1));
    }
    this.emit({ type: existed ? "updated" : "added", path, node });
  }

  private removeSubtree(path: string): void {
    const node = this.nodes.get(path);
    if (node === undefined) return;
    for (const name of this.children(path)) this.removeSubtree(join(path, name));
    this.nodes.delete(path);
    this.kids.delete(path);
    const parent = path.slice(0, path.lastIndexOf("/")) || "/";
    this.kids.get(parent)?.delete(path.slice(path.lastIndexOf("/") + 1));
    this.emit({ type: "removed", path, node });
  }

  private emit(event: TreeCacheEvent): void {
    this.events.emit("change", event);
    this.changeSet.push(event);
  }
}

function byDepth(a: string, b: string): number {
  return a.split("/").length - b.split("/").length || (a < b ? -1 : a > b ? 1 : 0);
}
