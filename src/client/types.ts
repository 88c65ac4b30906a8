/** Public value types of the client API. */
import type { ACL, Stat } from "../protocol/index.js";
import type { ZooKeeperError } from "./errors.js";

export type { ACL, Id, Stat } from "../protocol/index.js";

/** Node data as accepted by writes: bytes, a UTF-8 string, or null (not empty, PROTOCOL.md §1.2). */
export type Data = Uint8Array | string | null;

/** The four events a server sends (PROTOCOL.md §6.1). */
export type NodeEventType = "NodeCreated" | "NodeDeleted" | "NodeDataChanged" | "NodeChildrenChanged";

/** A watch notification; `path` is client-visible (chroot stripped). */
export interface WatchEvent {
  type: NodeEventType;
  path: string;
  /**
   * Only from a server that sends events with data (overseer's embedded server, option `eventData`),
   * on NodeCreated of nodes up to 16 KiB (never on NodeDataChanged): the node's data and Stat as the write
   * that caused the event left them — what a getData right after the event would return. Absent
   * otherwise (Apache ZooKeeper): read the node as usual.
   */
  data?: Buffer | null;
  stat?: Stat;
}

/** One-shot watch callback. Exceptions it throws are logged and otherwise ignored. */
export type WatchCallback = (event: WatchEvent) => void;

/** Options every operation accepts. */
export interface CallOptions {
  /**
   * Fail with a retriable OperationTimeoutError when no reply came within this many ms of the call
   * (time spent waiting for a reconnect counts); overrides the client's `requestTimeout` for this
   * call, 0 = no limit. For a protected create it bounds the whole call, retries included.
   */
  timeout?: number;
}

export interface WatchOption extends CallOptions {
  /** Leave a one-shot watch; it fires at most once, per PROTOCOL.md §6.3's fan-out rules. */
  watch?: WatchCallback;
}

export interface CreateOptions extends CallOptions {
  /** CreateMode value (see `CreateMode`); default PERSISTENT. */
  mode?: number;
  /** Default OPEN_ACL_UNSAFE (world:anyone, all permissions). */
  acl?: readonly ACL[];
  /** Milliseconds; required for (and only for) the TTL modes. */
  ttl?: number;
  /**
   * Curator's protected mode (`create()` only): the name gets a `_c_<uuid>-` prefix, and a create
   * that fails with a retriable error (connection loss, timeout) is retried, first looking for the
   * node it may already have made, so no duplicate is left. Retries stop after the session timeout.
   */
  protected?: boolean;
}

export interface GetDataResult {
  /** null when the node was created with null data (PROTOCOL.md §1.2). */
  data: Buffer | null;
  stat: Stat;
}

export interface ChildrenResult {
  /** In server order (arbitrary, PROTOCOL.md §7.11); sort if order matters. */
  children: string[];
  stat: Stat;
}

export interface CreateResult {
  path: string;
  stat: Stat;
}

/** One op's outcome in a committed transaction. */
export type OpResult =
  | { type: "create"; path: string; stat: Stat | null }
  | { type: "delete" }
  | { type: "setData"; stat: Stat }
  | { type: "check" }
  /** Only in a failed transaction's `results`: `code` is 0 for ops before the failing one. */
  | { type: "error"; code: number; error: ZooKeeperError | null };

/** An op of `multiRead`. */
export type ReadOp = { type: "getData"; path: string } | { type: "getChildren"; path: string };

/** One result of `multiRead`: each op succeeds or fails on its own. */
export type ReadOpResult =
  | { type: "getData"; data: Buffer | null; stat: Stat }
  | { type: "getChildren"; children: string[] }
  | { type: "error"; error: ZooKeeperError };

/** An identity of the connection, as `whoAmI` reports it. */
export interface ClientInfo {
  authScheme: string;
  user: string;
}

/** Which watches `checkWatches` / `removeWatches` address (WatcherType, PROTOCOL.md §4.2). */
export type WatcherKind = "children" | "data" | "any";
