/**
 * Typed errors for the client, built from the protocol's error table (PROTOCOL.md §5): a base
 * `ZooKeeperError` carrying `code`, `path`, `retriable` and `cause`, and one subclass per code that
 * callers branch on. `createError(code, path)` is the factory every reply goes through.
 */
import { ErrorCode, errorInfo } from "../protocol/index.js";
import type { OpResult } from "./types.js";

export interface ZooKeeperErrorOptions {
  /** Client-visible path the failed operation addressed, when there is one. */
  path?: string | undefined;
  cause?: unknown;
  /** Overrides the table's message. */
  message?: string | undefined;
}

export class ZooKeeperError extends Error {
  override name = "ZooKeeperError";
  /** The ZooKeeper error code (KeeperException.Code). */
  readonly code: number;
  /** Symbolic name of `code`, e.g. "NONODE". */
  readonly codeName: string;
  readonly path: string | undefined;
  /** True when sending the same request again may succeed (connection-level trouble). */
  readonly retriable: boolean;
  /**
   * For a failed transaction: index of the first failing op, and the per-op results
   * (ops before it `{ type: "ok" }`, it `{ type: "error" }`, later ones RUNTIMEINCONSISTENCY).
   */
  opIndex: number | undefined;
  results: readonly OpResult[] | undefined;

  constructor(code: number, opts: ZooKeeperErrorOptions = {}) {
    const info = errorInfo(code);
    const where = opts.path === undefined ? "" : ` (${opts.path})`;
    super(`${info.name}: ${opts.message ?? info.message}${where}`, { cause: opts.cause });
    this.code = code;
    this.codeName = info.name;
    this.path = opts.path;
    this.retriable = info.retriable;
    this.opIndex = undefined;
    this.results = undefined;
  }
}

type ErrorClass = new (opts?: ZooKeeperErrorOptions) => ZooKeeperError;

/* One class per code callers branch on. Declared as classes (not via `subclass`) so `instanceof`
 * narrows and the names appear in stack traces and .d.ts files. */
export class SystemError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.SYSTEMERROR, o);
    this.name = "SystemError";
  }
}
export class RuntimeInconsistencyError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.RUNTIMEINCONSISTENCY, o);
    this.name = "RuntimeInconsistencyError";
  }
}
export class ConnectionLossError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.CONNECTIONLOSS, o);
    this.name = "ConnectionLossError";
  }
}
export class MarshallingError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.MARSHALLINGERROR, o);
    this.name = "MarshallingError";
  }
}
export class UnimplementedError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.UNIMPLEMENTED, o);
    this.name = "UnimplementedError";
  }
}
export class OperationTimeoutError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.OPERATIONTIMEOUT, o);
    this.name = "OperationTimeoutError";
  }
}
export class BadArgumentsError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.BADARGUMENTS, o);
    this.name = "BadArgumentsError";
  }
}
export class NoNodeError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.NONODE, o);
    this.name = "NoNodeError";
  }
}
export class NoAuthError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.NOAUTH, o);
    this.name = "NoAuthError";
  }
}
export class BadVersionError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.BADVERSION, o);
    this.name = "BadVersionError";
  }
}
export class NoChildrenForEphemeralsError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.NOCHILDRENFOREPHEMERALS, o);
    this.name = "NoChildrenForEphemeralsError";
  }
}
export class NodeExistsError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.NODEEXISTS, o);
    this.name = "NodeExistsError";
  }
}
export class NotEmptyError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.NOTEMPTY, o);
    this.name = "NotEmptyError";
  }
}
export class SessionExpiredError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.SESSIONEXPIRED, o);
    this.name = "SessionExpiredError";
  }
}
/** The client was closed: its session is gone, as after expiry (Java reports SESSIONEXPIRED too). */
export class ClientClosedError extends SessionExpiredError {
  constructor(o?: ZooKeeperErrorOptions) {
    super({ message: "the client is closed", ...o });
    this.name = "ClientClosedError";
  }
}
export class InvalidACLError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.INVALIDACL, o);
    this.name = "InvalidACLError";
  }
}
export class AuthFailedError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.AUTHFAILED, o);
    this.name = "AuthFailedError";
  }
}
export class SessionMovedError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.SESSIONMOVED, o);
    this.name = "SessionMovedError";
  }
}
export class NoWatcherError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.NOWATCHER, o);
    this.name = "NoWatcherError";
  }
}
export class RequestTimeoutError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.REQUESTTIMEOUT, o);
    this.name = "RequestTimeoutError";
  }
}
export class QuotaExceededError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.QUOTAEXCEEDED, o);
    this.name = "QuotaExceededError";
  }
}
export class ThrottledOpError extends ZooKeeperError {
  constructor(o?: ZooKeeperErrorOptions) {
    super(ErrorCode.THROTTLEDOP, o);
    this.name = "ThrottledOpError";
  }
}

const classes = new Map<number, ErrorClass>([
  [ErrorCode.SYSTEMERROR, SystemError],
  [ErrorCode.RUNTIMEINCONSISTENCY, RuntimeInconsistencyError],
  [ErrorCode.CONNECTIONLOSS, ConnectionLossError],
  [ErrorCode.MARSHALLINGERROR, MarshallingError],
  [ErrorCode.UNIMPLEMENTED, UnimplementedError],
  [ErrorCode.OPERATIONTIMEOUT, OperationTimeoutError],
  [ErrorCode.BADARGUMENTS, BadArgumentsError],
  [ErrorCode.NONODE, NoNodeError],
  [ErrorCode.NOAUTH, NoAuthError],
  [ErrorCode.BADVERSION, BadVersionError],
  [ErrorCode.NOCHILDRENFOREPHEMERALS, NoChildrenForEphemeralsError],
  [ErrorCode.NODEEXISTS, NodeExistsError],
  [ErrorCode.NOTEMPTY, NotEmptyError],
  [ErrorCode.SESSIONEXPIRED, SessionExpiredError],
  [ErrorCode.INVALIDACL, InvalidACLError],
  [ErrorCode.AUTHFAILED, AuthFailedError],
  [ErrorCode.SESSIONMOVED, SessionMovedError],
  [ErrorCode.NOWATCHER, NoWatcherError],
  [ErrorCode.REQUESTTIMEOUT, RequestTimeoutError],
  [ErrorCode.QUOTAEXCEEDED, QuotaExceededError],
  [ErrorCode.THROTTLEDOP, ThrottledOpError],
]);

/** The typed error for a server (or client-side) code; codes without a subclass get the base class. */
export function createError(code: number, path?: string, cause?: unknown): ZooKeeperError {
  const cls = classes.get(code);
  const opts: ZooKeeperErrorOptions = { path, cause };
  return cls === undefined ? new ZooKeeperError(code, opts) : new cls(opts);
}

/** A caller passed something invalid: one class for every layer (see protocol/arguments.ts). */
export { InvalidArgumentError } from "../protocol/index.js";
