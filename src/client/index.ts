/** `overseer/client`: the ZooKeeper client. */
export { ZooKeeperClient, connect } from "./client.js";
export { Transaction } from "./transaction.js";
export { PersistentWatch } from "./watches.js";
export { Channel } from "./channel.js";
export { ensurePath } from "./ensure-path.js";
export {
  retry,
  isRetriable,
  type RetryOptions,
  DEFAULT_RETRY_MAX_ELAPSED,
  DEFAULT_RETRY_INITIAL_DELAY,
  DEFAULT_RETRY_MAX_DELAY,
} from "./retry.js";
export {
  type ClientOptions,
  type Credential,
  type Logger,
  parseOptions,
  DEFAULT_SESSION_TIMEOUT,
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_RECONNECT_DELAY,
  MAX_PING_INTERVAL,
} from "./options.js";
export { TlsError, type TlsOptions } from "./tls.js";
export type { SaslOptions } from "./sasl.js";
export { parseConnectString, DEFAULT_PORT, type ConnectString, type HostPort } from "./connect-string.js";
export type { ConnectionState, StateEvent, StateListener } from "./states.js";
export type {
  ACL,
  Id,
  Stat,
  Data,
  NodeEventType,
  WatchEvent,
  WatchCallback,
  WatchOption,
  CallOptions,
  CreateOptions,
  CreateResult,
  GetDataResult,
  ChildrenResult,
  OpResult,
  ReadOp,
  ReadOpResult,
  ClientInfo,
  WatcherKind,
} from "./types.js";
export {
  ZooKeeperError,
  type ZooKeeperErrorOptions,
  createError,
  InvalidArgumentError,
  SystemError,
  RuntimeInconsistencyError,
  ConnectionLossError,
  MarshallingError,
  UnimplementedError,
  OperationTimeoutError,
  BadArgumentsError,
  NoNodeError,
  NoAuthError,
  BadVersionError,
  NoChildrenForEphemeralsError,
  NodeExistsError,
  NotEmptyError,
  SessionExpiredError,
  ClientClosedError,
  InvalidACLError,
  AuthFailedError,
  SessionMovedError,
  NoWatcherError,
  RequestTimeoutError,
  QuotaExceededError,
  ThrottledOpError,
} from "./errors.js";
export {
  CreateMode,
  Perms,
  OPEN_ACL_UNSAFE,
  READ_ACL_UNSAFE,
  CREATOR_ALL_ACL,
  ErrorCode,
} from "../protocol/index.js";
