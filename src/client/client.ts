/**
 * The public ZooKeeper client: a promise per operation, one-shot watches as callbacks, persistent
 * watches as async iterables, connection states as `state`, listeners and an async iterable.
 * `new ZooKeeperClient(opts)` touches nothing; `connect()` starts the session.
 */
import { AddWatchMode, ErrorCode, OpCode, WatcherType, readMultiResponse, type JuteReader } from "../protocol/index.js";
import { stripPath, prefixPath } from "./connect-string.js";
import { createError, InvalidArgumentError } from "./errors.js";
import { readStat, readStrings } from "./decode.js";
import { parseOptions, type ClientOptions, type ResolvedOptions } from "./options.js";
import { call, checkData, checkPath, checkVersion, createSpec, ignoreBody, writeACL, writeCreate, writeData } from "./requests.js";
import { Session } from "./session.js";
import type { ConnectionState, StateEvent, StateListener } from "./states.js";
import { Transaction } from "./transaction.js";
import { PersistentWatch } from "./watches.js";
import type {
  ACL,
  ChildrenResult,
  ClientInfo,
  CreateOptions,
  CreateResult,
  Data,
  GetDataResult,
  ReadOp,
  ReadOpResult,
  Stat,
  WatchOption,
  WatcherKind,
} from "./types.js";

const WATCHER_TYPES: Record<WatcherKind, number> = {
  children: WatcherType.Children,
  data: WatcherType.Data,
  any: WatcherType.Any,
};

export class ZooKeeperClient implements AsyncDisposable {
  private readonly opts: ResolvedOptions;
  private readonly session: Session;
  private readonly chroot: string | null;

  constructor(options: ClientOptions) {
    this.opts = parseOptions(options);
    this.chroot = this.opts.connect.chroot;
    this.session = new Session(this.opts);
  }

  /** Starts the session; resolves once connected (rejects with OperationTimeoutError after connectTimeout). */
  async connect(): Promise<this> {
    await this.session.start();
    return this;
  }

  get state(): ConnectionState {
    return this.session.states.state;
  }

  /** The session id (0n before the first session). */
  get sessionId(): bigint {
    return this.session.sessionId;
  }

  /** Negotiated session timeout in ms (0 before the first session). */
  get sessionTimeout(): number {
    return this.session.timeout;
  }

  on(event: "state", listener: StateListener): this {
    if (event !== "state") throw new InvalidArgumentError("event", `unknown event "${String(event)}"`);
    this.session.states.on(listener);
    return this;
  }

  off(event: "state", listener: StateListener): this {
    if (event === "state") this.session.states.off(listener);
    return this;
  }

  /** State events from now on, as an async iterable; it ends after "lost" or "closed". */
  states(): AsyncIterableIterator<StateEvent> {
    return this.session.states.iterate();
  }

  /** Creates a node; resolves with its actual path (with the sequence suffix, if any). */
  create(path: string, data?: Data, opts?: CreateOptions): Promise<string> {
    return this.run(() => {
      const spec = createSpec(path, opts, false, this.opts.checkArguments);
      const d = checkData(data);
      const serverPath = prefixPath(this.chroot, path);
      // createContainer / createTTL reply with a Create2Response: its leading path is all we need.
      return call(this.session, spec.op, path, (w) => writeCreate(w, spec, serverPath, d), (r) => this.fromServer(r.readString()));
    });
  }

  /** create2: like `create`, also returning the new node's Stat. */
  create2(path: string, data?: Data, opts?: CreateOptions): Promise<CreateResult> {
    return this.run(() => {
      const spec = createSpec(path, opts, true, this.opts.checkArguments);
      const d = checkData(data);
      const serverPath = prefixPath(this.chroot, path);
      return call(
        this.session,
        spec.op,
        path,
        (w) => writeCreate(w, spec, serverPath, d),
        (r) => ({ path: this.fromServer(r.readString()), stat: readStat(r) }),
      );
    });
  }

  delete(path: string, version = -1): Promise<void> {
    return this.run(() => {
      const v = checkVersion(version);
      const sp = this.toServer(path);
      return call(this.session, OpCode.delete, path, (w) => (w.writeString(sp), w.writeInt(v)), ignoreBody);
    });
  }

  /** Stat of the node, or null if it does not exist. A watch is left either way (§6.2). */
  exists(path: string, opts?: WatchOption): Promise<Stat | null> {
    return this.run(() => {
      const sp = this.toServer(path);
      const watch = opts?.watch;
      return call(
        this.session,
        OpCode.exists,
        path,
        (w) => (w.writeString(sp), w.writeBool(watch !== undefined)),
        (r) => {
          if (watch !== undefined) this.session.watches.addData(path, watch);
          return readStat(r);
        },
        (err) => {
          if (err !== ErrorCode.NONODE) return undefined;
          if (watch !== undefined) this.session.watches.addExist(path, watch);
          return { value: null };
        },
      );
    });
  }

  getData(path: string, opts?: WatchOption): Promise<GetDataResult> {
    return this.run(() => {
      const sp = this.toServer(path);
      const watch = opts?.watch;
      return call(this.session, OpCode.getData, path, (w) => (w.writeString(sp), w.writeBool(watch !== undefined)), (r) => {
        const data = r.readBuffer();
        const stat = readStat(r);
        if (watch !== undefined) this.session.watches.addData(path, watch);
        return { data, stat };
      });
    });
  }

  setData(path: string, data: Data, version = -1): Promise<Stat> {
    return this.run(() => {
      const v = checkVersion(version);
      const d = checkData(data);
      const sp = this.toServer(path);
      return call(this.session, OpCode.setData, path, (w) => (w.writeString(sp), writeData(w, d), w.writeInt(v)), readStat);
    });
  }

  getACL(path: string): Promise<{ acl: ACL[]; stat: Stat }> {
    return this.run(() => {
      const sp = this.toServer(path);
      return call(this.session, OpCode.getACL, path, (w) => void w.writeString(sp), (r) => {
        const n = r.readVectorLength();
        const acl: ACL[] = [];
        for (let i = 0; i < n; i++) acl.push({ perms: r.readInt(), id: { scheme: r.readString() ?? "", id: r.readString() ?? "" } });
        return { acl, stat: readStat(r) };
      });
    });
  }

  /** Replaces the ACL; `version` is compared with the node's aversion. */
  setACL(path: string, acl: readonly ACL[], version = -1): Promise<Stat> {
    return this.run(() => {
      const v = checkVersion(version);
      const sp = this.toServer(path);
      return call(this.session, OpCode.setACL, path, (w) => (w.writeString(sp), writeACL(w, acl), w.writeInt(v)), readStat);
    });
  }

  getChildren(path: string, opts?: WatchOption): Promise<string[]> {
    return this.run(() => {
      const sp = this.toServer(path);
      const watch = opts?.watch;
      return call(this.session, OpCode.getChildren, path, (w) => (w.writeString(sp), w.writeBool(watch !== undefined)), (r) => {
        const children = readStrings(r);
        if (watch !== undefined) this.session.watches.addChild(path, watch);
        return children;
      });
    });
  }

  /** getChildren2: the children and the parent's Stat. */
  getChildren2(path: string, opts?: WatchOption): Promise<ChildrenResult> {
    return this.run(() => {
      const sp = this.toServer(path);
      const watch = opts?.watch;
      return call(this.session, OpCode.getChildren2, path, (w) => (w.writeString(sp), w.writeBool(watch !== undefined)), (r) => {
        const children = readStrings(r);
        const stat = readStat(r);
        if (watch !== undefined) this.session.watches.addChild(path, watch);
        return { children, stat };
      });
    });
  }

  /** Waits until the server this client talks to has applied every write committed before the call. */
  sync(path = "/"): Promise<void> {
    return this.run(() => {
      const sp = this.toServer(path);
      return call(this.session, OpCode.sync, path, (w) => void w.writeString(sp), ignoreBody);
    });
  }

  transaction(): Transaction {
    return new Transaction({
      session: this.session,
      chroot: this.chroot,
      checkArguments: this.opts.checkArguments,
      toServer: (p) => prefixPath(this.chroot, p),
    });
  }

  /** Several getData/getChildren in one round trip; each succeeds or fails on its own. */
  multiRead(ops: readonly ReadOp[]): Promise<ReadOpResult[]> {
    return this.run(() => {
      const encoded = ops.map((op) => ({ type: op.type === "getData" ? OpCode.getData : OpCode.getChildren, path: this.toServer(op.path) }));
      return call(
        this.session,
        OpCode.multiRead,
        undefined,
        (w) => {
          for (const op of encoded) w.writeInt(op.type).writeBool(false).writeInt(-1).writeString(op.path).writeBool(false);
          w.writeInt(-1).writeBool(true).writeInt(-1);
        },
        (r: JuteReader) =>
          readMultiResponse(r).map((res, i): ReadOpResult => {
            if (res.type === OpCode.getData) return { type: "getData", data: res.data, stat: res.stat };
            if (res.type === OpCode.getChildren) return { type: "getChildren", children: res.children };
            const code = res.type === OpCode.error ? res.err : ErrorCode.MARSHALLINGERROR;
            return { type: "error", error: createError(code, ops[i]?.path) };
          }),
      );
    });
  }

  /**
   * A persistent watch (addWatch, §6.5): every event on `path` (and, if recursive, its descendants,
   * NodeChildrenChanged excepted) until closed. Iteration throws SessionExpiredError if the session is lost.
   */
  addWatch(path: string, opts?: { recursive?: boolean }): Promise<PersistentWatch> {
    return this.run(() => {
      const sp = this.toServer(path);
      const recursive = opts?.recursive ?? false;
      const mode = recursive ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT;
      return call(this.session, OpCode.addWatch, path, (w) => (w.writeString(sp), w.writeInt(mode)), () => {
        const watch = new PersistentWatch(path, recursive, (pw) => this.dropPersistent(pw));
        this.session.watches.addPersistent(watch);
        return watch;
      });
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

  /** Paths of this session's ephemeral nodes under `prefix` ("/" = all). */
  getEphemerals(prefix = "/"): Promise<string[]> {
    return this.run(() => {
      const sp = this.toServer(prefix);
      return call(this.session, OpCode.getEphemerals, prefix, (w) => void w.writeString(sp), (r) =>
        readStrings(r).map((p) => this.fromServer(p)),
      );
    });
  }

  /** Number of all descendants of `path`. */
  getAllChildrenNumber(path: string): Promise<number> {
    return this.run(() => {
      const sp = this.toServer(path);
      return call(this.session, OpCode.getAllChildrenNumber, path, (w) => void w.writeString(sp), (r) => r.readInt());
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
    if (typeof scheme !== "string" || scheme === "") throw new InvalidArgumentError("scheme", "expected a non-empty string");
    return this.session.addAuth(scheme, typeof auth === "string" ? Buffer.from(auth, "utf8") : Buffer.from(auth));
  }

  /** Ends the session (closeSession) and releases every timer and socket. Safe at any moment, any number of times. */
  close(): Promise<void> {
    return this.session.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
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
    if (!this.session.watches.dropPersistent(watch)) return;
    try {
      await call(this.session, OpCode.removeWatches, watch.path, (w) => (w.writeString(this.toServer(watch.path)), w.writeInt(WatcherType.Any)), ignoreBody);
    } catch (err) {
      // Gone already (session over, or removed by removeWatches): nothing left to undo.
      this.opts.logger.debug({ err, path: watch.path }, "zookeeper: removing a persistent watch failed");
    }
  }

  private toServer(path: string): string {
    if (this.opts.checkArguments) checkPath(path);
    else if (typeof path !== "string") throw new InvalidArgumentError("path", "expected a string");
    return prefixPath(this.chroot, path);
  }

  private fromServer(path: string | null): string {
    return stripPath(this.chroot, path ?? "");
  }

  /** Argument errors become rejections, so every operation reports failure the same way. */
  private async run<T>(op: () => Promise<T>): Promise<T> {
    return op();
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
