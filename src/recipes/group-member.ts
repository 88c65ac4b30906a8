/**
 * Group membership: our ephemeral node `<path>/<id>` plus a live view of every member.
 *
 * ```ts
 * const member = new GroupMember(() => connect({ connectString }), { path: "/app/workers", id: "w1", data: "cap=4" });
 * member.on("change", (e) => console.log(e.type, e.id));
 * await member.start();
 * await member.setData("cap=2");
 * member.members;                        // ReadonlyMap<id, Buffer | null>
 * ```
 *
 * The view is a TreeCache of the group (children only). Our node is recreated if it disappears
 * while our session lives. A client's session loss is final, so to survive one GroupMember accepts
 * a client factory: after "lost" it closes that client, makes a new one, rejoins with our current
 * data and rebuilds the view, reporting only real differences. Given a plain client, "lost" ends
 * the membership (the view stops; `lost` is emitted).
 */
import {
  CreateMode,
  NodeExistsError,
  isRetriable,
  type Logger,
  type StateEvent,
  type ZooKeeperClient,
} from "../client/index.js";
import { RecipeError } from "./errors.js";
import { ChannelSet, Listeners } from "./events.js";
import { SILENT, backoff, ensurePath, join, pause, toBuffer } from "./internal.js";
import { checkLogger, checkRecipePath } from "./options.js";
import { TreeCache, type TreeCacheEvent } from "./tree-cache.js";

/** Makes a new, connected client (used after a session is lost). */
export type ClientFactory = () => Promise<ZooKeeperClient>;

export interface GroupMemberOptions {
  /** The group's node; created if missing. */
  path: string;
  /** Our member id: the name of our node, unique in the group. */
  id: string;
  data?: Uint8Array | string;
  logger?: Logger;
}

export type MemberEvent =
  { type: "joined" | "updated"; id: string; data: Buffer | null } | { type: "left"; id: string };

interface MemberEvents {
  change: (event: MemberEvent) => void;
  /** The session was lost and (with a plain client) the membership ended. */
  lost: () => void;
}

export class GroupMember implements AsyncDisposable {
  private readonly path: string;
  private readonly id: string;
  private readonly log: Logger;
  private readonly events: Listeners<MemberEvents>;
  private readonly changeSet = new ChannelSet<MemberEvent>();
  private readonly view = new Map<string, Buffer | null>();
  private readonly stopped = new AbortController();
  private data: Buffer;
  private client: ZooKeeperClient | null;
  private cache: TreeCache | null = null;
  private state: "latent" | "started" | "closed" = "latent";
  private readonly onState = (e: StateEvent): void => {
    if (e.type === "lost") void this.replaceSession();
  };

  constructor(
    private readonly source: ZooKeeperClient | ClientFactory,
    opts: GroupMemberOptions,
  ) {
    this.path = checkRecipePath("path", opts.path);
    if (typeof opts.id !== "string" || opts.id === "" || opts.id.includes("/"))
      throw new RecipeError(`invalid member id ${String(opts.id)}`);
    this.id = opts.id;
    this.data = toBuffer(opts.data);
    this.log = checkLogger(opts.logger) ?? SILENT;
    this.events = new Listeners(this.log);
    this.client = typeof source === "function" ? null : source;
  }

  /** Joins the group and loads the view. */
  async start(): Promise<void> {
    if (this.state !== "latent") throw new RecipeError("GroupMember.start() may be called once");
    this.state = "started";
    await this.attach();
  }

  /** Current members (including us) and their data. */
  get members(): ReadonlyMap<string, Buffer | null> {
    return this.view;
  }

  /** Replaces our data (kept for rejoining after a session change). */
  async setData(data: Uint8Array | string): Promise<void> {
    this.data = toBuffer(data);
    if (this.client !== null) await this.client.setData(this.ownPath, this.data);
  }

  on<K extends keyof MemberEvents>(event: K, listener: MemberEvents[K]): this {
    this.events.on(event, listener);
    return this;
  }

  off<K extends keyof MemberEvents>(event: K, listener: MemberEvents[K]): this {
    this.events.off(event, listener);
    return this;
  }

  changes(): AsyncIterableIterator<MemberEvent> {
    return this.changeSet.open();
  }

  /** Leaves the group (deletes our node) and stops the view; closes clients the factory made. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    this.stopped.abort();
    this.changeSet.end();
    await this.cache?.close();
    const c = this.client;
    if (c === null) return;
    c.off("state", this.onState);
    if (typeof this.source === "function") await c.close();
    else if (c.isConnected)
      await c.delete(this.ownPath).catch((err: unknown) => this.log.warn({ err }, "leave failed"));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private get ownPath(): string {
    return join(this.path, this.id);
  }

  private async attach(): Promise<void> {
    if (this.client === null && typeof this.source === "function") this.client = await this.source();
    const client = this.client;
    if (client === null) throw new RecipeError("no client");
    client.on("state", this.onState);
    await ensurePath(client, this.path);
    await this.join(client);
    const cache = new TreeCache(client, { path: this.path, logger: this.log });
    this.cache = cache;
    const seen = new Set<string>();
    cache.on("change", (e) => this.onCacheChange(client, e, seen));
    await cache.start();
    // Members that left while we had no session: the fresh load never mentioned them.
    for (const id of [...this.view.keys()]) if (!seen.has(id)) this.setMember(id, undefined);
  }

  /** Creates our node; waits out a node of the same id held by another (e.g. our expired) session. */
  private async join(client: ZooKeeperClient): Promise<void> {
    for (let failures = 0; this.state === "started"; failures++) {
      try {
        await client.create(this.ownPath, this.data, { mode: CreateMode.EPHEMERAL });
        return;
      } catch (err) {
        // A lost reply: the next attempt finds the node (NodeExists, owned by this session) or makes it.
        if (isRetriable(err)) {
          await pause(backoff(failures), this.stopped.signal);
          continue;
        }
        if (!(err instanceof NodeExistsError)) throw err;
        const stat = await client.exists(this.ownPath);
        if (stat?.ephemeralOwner === client.sessionId) return;
        this.log.warn({ path: this.ownPath }, "group: our id is held by another session; waiting");
        await pause(backoff(failures), this.stopped.signal);
      }
    }
  }

  private onCacheChange(client: ZooKeeperClient, e: TreeCacheEvent, seen: Set<string>): void {
    const rest = e.path.slice(this.path.length + 1);
    if (rest === "" || rest.includes("/")) return; // the group node itself, or deeper nodes
    seen.add(rest);
    this.setMember(rest, e.type === "removed" ? undefined : e.node.data);
    // Our node vanished while our session lives (deleted by hand): recreate it.
    if (e.type === "removed" && rest === this.id && client === this.client && client.isConnected)
      void this.join(client).catch((err: unknown) => this.log.error({ err }, "group: rejoin failed"));
  }

  private setMember(id: string, data: Buffer | null | undefined): void {
    const had = this.view.has(id);
    if (data === undefined) {
      if (!had) return;
      this.view.delete(id);
      return this.emit({ type: "left", id });
    }
    const old = this.view.get(id);
    if (had && (old === data || (old != null && data !== null && old.equals(data)))) return;
    this.view.set(id, data);
    this.emit({ type: had ? "updated" : "joined", id, data });
  }

  private emit(e: MemberEvent): void {
    this.events.emit("change", e);
    this.changeSet.push(e);
  }

  private async replaceSession(): Promise<void> {
    const old = this.client;
    old?.off("state", this.onState);
    await this.cache?.close();
    this.cache = null;
    if (typeof this.source !== "function" || this.state !== "started") {
      this.events.emit("lost");
      return;
    }
    await old?.close();
    this.client = null;
    for (let failures = 0; this.state === "started"; failures++) {
      try {
        await this.attach();
        return;
      } catch (err) {
        this.log.warn({ err }, "group: rejoining with a new session failed; retrying");
        const made = this.client as ZooKeeperClient | null; // attach() may have made one
        await made?.close();
        this.client = null;
        await pause(backoff(failures), this.stopped.signal);
      }
    }
  }
}
