/**
 * Node operations (PROTOCOL.md §4.2): create, delete, exists, data, ACLs, children, sync; one-shot
 * watches (PROTOCOL.md §6.2).
 */
import { ErrorCode, OpCode } from "../protocol/index.js";
import { prefixPath } from "./connect-string.js";
import { InvalidArgumentError } from "./errors.js";
import { createProtected } from "./protected.js";
import { ClientBase } from "./client-base.js";
import { readStat, readStrings } from "./decode.js";
import {
  call,
  checkData,
  checkTimeout,
  checkVersion,
  createSpec,
  ignoreBody,
  writeACL,
  writeCreate,
  writeData,
} from "./requests.js";
import { whileInFlight } from "./watches.js";
import type { StateEvent } from "./states.js";
import type {
  ACL,
  CallOptions,
  ChildrenResult,
  CreateOptions,
  CreateResult,
  Data,
  GetDataResult,
  Stat,
  WatchCallback,
  WatchOption,
} from "./types.js";

export class NodeClient extends ClientBase {
  /** Creates a node; resolves with its actual path (with the sequence suffix, if any). */
  create(path: string, data?: Data, opts?: CreateOptions): Promise<string> {
    if (opts?.protected === true) return this.run(() => this.createProtected(path, data, opts));
    return this.run(() => {
      const timeout = checkTimeout(opts?.timeout);
      const spec = createSpec(path, opts, false, this.opts.checkArguments, this.opts.defaultAcl);
      const d = checkData(data);
      const serverPath = prefixPath(this.chroot, path);
      // createContainer / createTTL reply with a Create2Response: its leading path is all we need.
      return call(
        this.session,
        spec.op,
        path,
        (w) => writeCreate(w, spec, serverPath, d),
        (r) => this.fromServer(r.readString()),
        { timeout },
      );
    });
  }

  /** Protected create: `opts.timeout` bounds the whole call, every attempt gets what remains of it. */
  /**
   * A read that may leave a one-shot watch. `send` writes the request with `flag()` as its watch flag:
   * false when the same session's persistent watch serves the watch (watches.ts heldByPersistent). The
   * read counts as in flight from when it is written until it is answered, so a persistent watch on the
   * path closed meanwhile is kept on the server for it.
   */
  private watchedRead<T>(
    path: string,
    watch: WatchCallback | undefined,
    kind: "data" | "child",
    send: (flag: () => boolean) => Promise<T>,
  ): Promise<T> {
    if (watch === undefined) return send(() => false);
    const { watches } = this.session;
    return whileInFlight(
      (written) => send(() => (written(), !watches.heldByPersistent(path, kind))),
      () => watches.readSent(path),
      () => watches.readAnswered(path),
    );
  }

  private createProtected(path: string, data: Data | undefined, opts: CreateOptions): Promise<string> {
    const budget = checkTimeout(opts.timeout) ?? 0;
    const plain = { ...opts, protected: false };
    createSpec(path, plain, false, this.opts.checkArguments, this.opts.defaultAcl); // validate before prefixing
    const deadline = performance.now() + budget;
    const remaining = (): { timeout?: number } =>
      budget > 0 ? { timeout: Math.max(1, Math.ceil(deadline - performance.now())) } : {};
    const sessionTimeout = this.sessionTimeout > 0 ? this.sessionTimeout : this.opts.sessionTimeout;
    return createProtected(
      {
        create: (p) => this.create(p, data, { ...plain, ...remaining() }),
        getChildren: (p) => this.getChildren(p, remaining()),
        delete: (p) => this.delete(p),
        cleanup: {
          getChildren: (p) => this.getChildren(p),
          delete: (p) => this.delete(p),
          onEnd: (listener) => {
            const onState = (e: StateEvent): void => {
              if (e.type === "closed" || e.type === "lost") listener();
            };
            this.on("state", onState);
            return () => void this.off("state", onState);
          },
        },
        logger: this.opts.logger,
      },
      path,
      { maxElapsedMs: budget > 0 ? Math.min(budget, sessionTimeout) : sessionTimeout },
    );
  }

  /** create2: like `create`, also returning the new node's Stat. */
  create2(path: string, data?: Data, opts?: CreateOptions): Promise<CreateResult> {
    return this.run(() => {
      if (opts?.protected === true) throw new InvalidArgumentError("protected", "only create() supports it");
      const timeout = checkTimeout(opts?.timeout);
      const spec = createSpec(path, opts, true, this.opts.checkArguments, this.opts.defaultAcl);
      const d = checkData(data);
      const serverPath = prefixPath(this.chroot, path);
      return call(
        this.session,
        spec.op,
        path,
        (w) => writeCreate(w, spec, serverPath, d),
        (r) => ({ path: this.fromServer(r.readString()), stat: readStat(r) }),
        { timeout },
      );
    });
  }

  delete(path: string, version = -1, opts?: CallOptions): Promise<void> {
    return this.run(() => {
      const timeout = checkTimeout(opts?.timeout);
      const v = checkVersion(version);
      const sp = this.toServer(path);
      return call(this.session, OpCode.delete, path, (w) => (w.writeString(sp), w.writeInt(v)), ignoreBody, {
        timeout,
      });
    });
  }

  /** Stat of the node, or null if it does not exist. A watch is left either way (PROTOCOL.md §6.2). */
  exists(path: string, opts?: WatchOption): Promise<Stat | null> {
    return this.run(() => {
      const timeout = checkTimeout(opts?.timeout);
      const sp = this.toServer(path);
      const watch = opts?.watch;
      return this.watchedRead(path, watch, "data", (flag) =>
        call(
          this.session,
          OpCode.exists,
          path,
          (w) => (w.writeString(sp), w.writeBool(flag())),
          (r) => {
            if (watch !== undefined) this.session.watches.addData(path, watch);
            return readStat(r);
          },
          {
            onError: (err) => {
              if (err !== ErrorCode.NONODE) return undefined;
              if (watch !== undefined) this.session.watches.addExist(path, watch);
              return { value: null };
            },
            timeout,
          },
        ),
      );
    });
  }

  getData(path: string, opts?: WatchOption): Promise<GetDataResult> {
    return this.run(() => {
      const timeout = checkTimeout(opts?.timeout);
      const sp = this.toServer(path);
      const watch = opts?.watch;
      return this.watchedRead(path, watch, "data", (flag) =>
        call(
          this.session,
          OpCode.getData,
          path,
          (w) => (w.writeString(sp), w.writeBool(flag())),
          (r) => {
            const data = r.readBuffer();
            const stat = readStat(r);
            if (watch !== undefined) this.session.watches.addData(path, watch);
            return { data, stat };
          },
          { timeout },
        ),
      );
    });
  }

  setData(path: string, data: Data, version = -1, opts?: CallOptions): Promise<Stat> {
    return this.run(() => {
      const timeout = checkTimeout(opts?.timeout);
      const v = checkVersion(version);
      const d = checkData(data);
      const sp = this.toServer(path);
      return call(
        this.session,
        OpCode.setData,
        path,
        (w) => (w.writeString(sp), writeData(w, d), w.writeInt(v)),
        readStat,
        { timeout },
      );
    });
  }

  getACL(path: string, opts?: CallOptions): Promise<{ acl: ACL[]; stat: Stat }> {
    return this.run(() => {
      const timeout = checkTimeout(opts?.timeout);
      const sp = this.toServer(path);
      return call(
        this.session,
        OpCode.getACL,
        path,
        (w) => void w.writeString(sp),
        (r) => {
          const n = r.readVectorLength();
          const acl: ACL[] = [];
          for (let i = 0; i < n; i++)
            acl.push({ perms: r.readInt(), id: { scheme: r.readString() ?? "", id: r.readString() ?? "" } });
          return { acl, stat: readStat(r) };
        },
        { timeout },
      );
    });
  }

  /** Replaces the ACL; `version` is compared with the node's aversion. */
  setACL(path: string, acl: readonly ACL[], version = -1, opts?: CallOptions): Promise<Stat> {
    return this.run(() => {
      const timeout = checkTimeout(opts?.timeout);
      const v = checkVersion(version);
      const sp = this.toServer(path);
      return call(
        this.session,
        OpCode.setACL,
        path,
        (w) => (w.writeString(sp), writeACL(w, acl), w.writeInt(v)),
        readStat,
        { timeout },
      );
    });
  }

  getChildren(path: string, opts?: WatchOption): Promise<string[]> {
    return this.run(() => {
      const timeout = checkTimeout(opts?.timeout);
      const sp = this.toServer(path);
      const watch = opts?.watch;
      return this.watchedRead(path, watch, "child", (flag) =>
        call(
          this.session,
          OpCode.getChildren,
          path,
          (w) => (w.writeString(sp), w.writeBool(flag())),
          (r) => {
            const children = readStrings(r);
            if (watch !== undefined) this.session.watches.addChild(path, watch);
            return children;
          },
          { timeout },
        ),
      );
    });
  }

  /** getChildren2: the children and the parent's Stat. */
  getChildren2(path: string, opts?: WatchOption): Promise<ChildrenResult> {
    return this.run(() => {
      const timeout = checkTimeout(opts?.timeout);
      const sp = this.toServer(path);
      const watch = opts?.watch;
      return this.watchedRead(path, watch, "child", (flag) =>
        call(
          this.session,
          OpCode.getChildren2,
          path,
          (w) => (w.writeString(sp), w.writeBool(flag())),
          (r) => {
            const children = readStrings(r);
            const stat = readStat(r);
            if (watch !== undefined) this.session.watches.addChild(path, watch);
            return { children, stat };
          },
          { timeout },
        ),
      );
    });
  }

  /** Waits until the server this client talks to has applied every write committed before the call. */
  sync(path = "/", opts?: CallOptions): Promise<void> {
    return this.run(() => {
      const timeout = checkTimeout(opts?.timeout);
      const sp = this.toServer(path);
      return call(this.session, OpCode.sync, path, (w) => void w.writeString(sp), ignoreBody, { timeout });
    });
  }
}
