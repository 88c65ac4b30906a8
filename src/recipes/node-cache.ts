/**
 * A local copy of one node, kept current by a persistent (non-recursive) watch.
 *
 * ```ts
 * const cache = new NodeCache(client, { path: "/app/config" });
 * cache.on("change", (node) => console.log(node?.data?.toString() ?? "(deleted)"));
 * await cache.start();
 * ```
 *
 * Same rules as TreeCache: the watch is set before the first read, every event is handled by a
 * fresh read (one at a time, deduplicated by mzxid), and after `reconnected` the node is read again
 * because servers do not replay events missed while disconnected. Session loss ends the cache.
 */
import {
  NoNodeError,
  type Logger,
  type PersistentWatch,
  type StateEvent,
  type ZooKeeperClient,
} from "../client/index.js";
import { RecipeError } from "./errors.js";
import { ChannelSet, Listeners } from "./events.js";
import { SILENT, backoff, pause } from "./internal.js";
import type { CachedNode } from "./load-tree.js";
import { checkLogger, checkRecipePath } from "./options.js";

export interface NodeCacheOptions {
  path: string;
  /** pino-compatible logger; default silent. */
  logger?: Logger;
}

interface NodeCacheEvents {
  /** The node changed; null when it was deleted (or does not exist). */
  change: (node: CachedNode | null) => void;
}

export class NodeCache implements AsyncDisposable {
  readonly path: string;
  private readonly log: Logger;
  private readonly events: Listeners<NodeCacheEvents>;
  private readonly changeSet = new ChannelSet<CachedNode | null>();
  private readonly stopped = new AbortController();
  private node: CachedNode | null = null;
  private watch: PersistentWatch | null = null;
  private state: "latent" | "started" | "closed" = "latent";
  private dirty = false;
  private running = false;
  private readonly onState = (e: StateEvent): void => {
    if (e.type === "reconnected") this.schedule();
    else if (e.type === "lost" || e.type === "closed") void this.close();
  };

  constructor(
    private readonly client: ZooKeeperClient,
    opts: NodeCacheOptions,
  ) {
    this.path = checkRecipePath("path", opts.path);
    this.log = checkLogger(opts.logger) ?? SILENT;
    this.events = new Listeners(this.log);
  }

  async start(): Promise<void> {
    if (this.state !== "latent") throw new RecipeError("NodeCache.start() may be called once");
    this.state = "started";
    this.client.on("state", this.onState);
    this.watch = await this.client.addWatch(this.path);
    void this.pump(this.watch);
    this.schedule();
    while (this.running) await new Promise<void>((r) => setImmediate(r));
  }

  /** The node as last read; null if it does not exist. */
  get current(): CachedNode | null {
    return this.node;
  }

  on(event: "change", listener: (node: CachedNode | null) => void): this {
    this.events.on(event, listener);
    return this;
  }

  off(event: "change", listener: (node: CachedNode | null) => void): this {
    this.events.off(event, listener);
    return this;
  }

  changes(): AsyncIterableIterator<CachedNode | null> {
    return this.changeSet.open();
  }

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
      for await (const e of watch) if (e.type !== "NodeChildrenChanged") this.schedule();
    } catch (err) {
      this.log.debug({ err, path: this.path }, "node cache: watch ended");
    }
  }

  private schedule(): void {
    if (this.state !== "started") return;
    this.dirty = true;
    if (this.running) return;
    this.running = true;
    void this.loop().finally(() => (this.running = false));
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.dirty && this.state === "started") {
      this.dirty = false;
      try {
        this.update(await this.read());
        failures = 0;
      } catch (err) {
        this.log.debug({ err, path: this.path }, "node cache: read failed; retrying");
        this.dirty = true;
        await pause(backoff(failures++), this.stopped.signal);
      }
    }
  }

  private async read(): Promise<CachedNode | null> {
    try {
      return await this.client.getData(this.path);
    } catch (err) {
      if (err instanceof NoNodeError) return null;
      throw err;
    }
  }

  private update(fresh: CachedNode | null): void {
    const old = this.node;
    if (old === null && fresh === null) return;
    if (
      old !== null &&
      fresh !== null &&
      old.stat.czxid === fresh.stat.czxid &&
      fresh.stat.mzxid <= old.stat.mzxid
    )
      return;
    this.node = fresh;
    this.events.emit("change", fresh);
    this.changeSet.push(fresh);
  }
}
