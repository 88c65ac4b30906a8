/**
 * The public ZooKeeper client: a promise per operation, one-shot watches as callbacks, persistent
 * watches as async iterables, connection states as `state`, listeners and an async iterable.
 * Node operations live in NodeClient, the lifecycle in ClientBase; this adds transactions,
 * multiRead, persistent watches, watch checks/removal, session queries and auth.
 */
import { AddWatchMode, OpCode, WatcherType, type JuteReader } from "../protocol/index.js";
import { prefixPath } from "./connect-string.js";
import { InvalidArgumentError, NoWatcherError } from "./errors.js";
import { readReadResults, writeReadOps } from "./multi-read.js";
import { readStrings } from "./decode.js";
import type { ClientOptions } from "./options.js";
import { NodeClient } from "./node-client.js";
import { call, checkTimeout, ignoreBody } from "./requests.js";
import { Transaction } from "./transaction.js";
import { PersistentWatch, whileInFlight } from "./watches.js";
import type { CallOptions, ClientInfo, ReadOp, ReadOpResult, WatchCallback, WatcherKind } from "./types.js";

const WATCHER_TYPES: Record<WatcherKind, number> = {
  children: WatcherType.Children,
  data: WatcherType.Data,
  any: WatcherType.Any,
};

export class ZooKeeperClient extends NodeClient {
  constructor(options: ClientOptions) {
    super(options);
    // A closed persistent watch's server side, kept for one-shot watches on its path, goes after them.
    this.session.watches.onOrphanIdle = (path) => void this.removeServerWatches(path);
  }

  transaction(): Transaction {
    return new Transaction({
      session: this.session,
      chroot: this.chroot,
      checkArguments: this.opts.checkArguments,
      defaultAcl: this.opts.defaultAcl,
      toServer: (p) => prefixPath(this.chroot, p),
    });
  }

  /** Several getData/getChildren in one round trip; each succeeds or fails on its own. */
  multiRead(ops: readonly ReadOp[], opts?: CallOptions): Promise<ReadOpResult[]> {
    return this.run(() => {
      const timeout = checkTimeout(opts?.timeout);
      const list = ops.slice();
      const serverPaths = list.map((op) => this.toServer(op.path));
      return call(
        this.session,
        OpCode.multiRead,
        undefined,
        (w) => writeReadOps(w, list, serverPaths),
        (r: JuteReader) => readReadResults(r, list),
        { timeout },
      );
    });
  }

  /**
   * A persistent watch (addWatch, PROTOCOL.md §6.5): every event on `path` (and, if recursive, its
   * descendants, NodeChildrenChanged excepted) until closed. Iteration throws SessionExpiredError if the session is lost.
   * Events are not caught up after a reconnect (PROTOCOL.md §6.6): what changed while the connection was
   * down, or before the server re-registered the watch, is not reported — on `reconnected`, read again
   * what you follow (after one round trip on this client, the watch is back on the server).
   */
  addWatch(path: string, opts?: { recursive?: boolean } & CallOptions): Promise<PersistentWatch> {
    return this.run(() => {
      const timeout = checkTimeout(opts?.timeout);
      const sp = this.toServer(path);
      const recursive = opts?.recursive ?? false;
      const mode = recursive ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT;
      const { watches } = this.session;
      // From when it is written the server may hold it: one-shot watches on `path` stay local (watches.ts).
      return whileInFlight(
        (written) =>
          call(
            this.session,
            OpCode.addWatch,
            path,
            (w) => (w.writeString(sp).writeInt(mode), written()),
            () => {
              const watch = new PersistentWatch(path, recursive, (pw) => this.dropPersistent(pw));
              watches.addPersistent(watch);
              return watch;
            },
            { timeout },
          ),
        () => watches.persistentSent(path, recursive),
        () => watches.persistentAnswered(path, recursive),
      );
    });
  }

  /** Rejects with NoWatcherError unless the server holds a watch of `kind` on `path` for this session. */
  checkWatches(path: string, kind: WatcherKind = "any"): Promise<void> {
    return this.watchesRequest(OpCode.checkWatches, path, kind);
  }

  /** Removes this session's watches of `kind` on `path`, server side and local (NoWatcherError if none). */
  async removeWatches(path: string, kind: WatcherKind = "any"): Promise<void> {
    await this.watchesRequest(OpCode.removeWatches, path, kind);
    this.session.watches.remove(path, kind);
  }

  /**
   * Removes one watcher — a callback given to a read's `watch` option — from `path` (`data`: the data or
   * exists watch it was set as; `children`: a getChildren watch). The server's watch goes too only when
   * nothing else of this client needs it (another watcher on the path, a read with a watch on its way, a
   * persistent watch there), so other code watching the same node keeps its events — removeWatches
   * removes them all. Resolves false when the watcher was not on the path (fired already, or never set).
   */
  async removeWatcher(
    path: string,
    watcher: WatchCallback,
    kind: "data" | "children" = "data",
  ): Promise<boolean> {
    const { found, needed } = this.session.watches.removeCallback(path, watcher, kind);
    if (!found) return false;
    if (needed) return true;
    try {
      await this.watchesRequest(OpCode.removeWatches, path, kind);
    } catch (err) {
      // The server's watch fired meanwhile: nothing left to remove.
      if (!(err instanceof NoWatcherError)) throw err;
    }
    return true;
  }

  /** Paths of this session's ephemeral nodes under `prefix` ("/" = all). */
  getEphemerals(prefix = "/"): Promise<string[]> {
    return this.run(() => {
      const sp = this.toServer(prefix);
      return call(
        this.session,
        OpCode.getEphemerals,
        prefix,
        (w) => void w.writeString(sp),
        (r) => readStrings(r).map((p) => this.fromServer(p)),
      );
    });
  }

  /** Number of all descendants of `path`. */
  getAllChildrenNumber(path: string): Promise<number> {
    return this.run(() => {
      const sp = this.toServer(path);
      return call(
        this.session,
        OpCode.getAllChildrenNumber,
        path,
        (w) => void w.writeString(sp),
        (r) => r.readInt(),
      );
    });
  }

  whoAmI(): Promise<ClientInfo[]> {
    return call(this.session, OpCode.whoAmI, undefined, ignoreBody, (r) => {
      const n = r.readVectorLength();
      const out: ClientInfo[] = [];
      for (let i = 0; i < n; i++) out.push({ authScheme: r.readString() ?? "", user: r.readString() ?? "" });
      return out;
    });
  }

  /** Adds a credential (e.g. "digest", "user:pass"); re-sent after every reconnect. */
  addAuth(scheme: string, auth: Uint8Array | string): Promise<void> {
    if (typeof scheme !== "string" || scheme === "")
      throw new InvalidArgumentError("scheme", "expected a non-empty string");
    return this.session.addAuth(
      scheme,
      typeof auth === "string" ? Buffer.from(auth, "utf8") : Buffer.from(auth),
    );
  }

  private watchesRequest(op: number, path: string, kind: WatcherKind): Promise<void> {
    return this.run(() => {
      const type = WATCHER_TYPES[kind];
      if (type === undefined) throw new InvalidArgumentError("kind", `expected "children", "data" or "any"`);
      const sp = this.toServer(path);
      return call(this.session, op, path, (w) => (w.writeString(sp), w.writeInt(type)), ignoreBody);
    });
  }

  private async dropPersistent(watch: PersistentWatch): Promise<void> {
    if (this.session.watches.dropPersistent(watch)) await this.removeServerWatches(watch.path);
  }

  /** removeWatches(path, Any) for a persistent watch nothing on this client needs any more. */
  private async removeServerWatches(path: string): Promise<void> {
    try {
      await call(
        this.session,
        OpCode.removeWatches,
        path,
        (w) => (w.writeString(this.toServer(path)), w.writeInt(WatcherType.Any)),
        ignoreBody,
      );
    } catch (err) {
      // Gone already (session over, or removed by removeWatches): nothing left to undo.
      this.opts.logger.debug({ err, path }, "zookeeper: removing a persistent watch failed");
    }
  }
}

/** Creates a client and connects it. */
export async function connect(options: ClientOptions): Promise<ZooKeeperClient> {
  const client = new ZooKeeperClient(options);
  try {
    return await client.connect();
  } catch (err) {
    await client.close();
    throw err;
  }
}
