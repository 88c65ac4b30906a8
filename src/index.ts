/**
 * `overseer`: the package root re-exports the client and the embedded server, the two things every
 * user starts with. Lower-level pieces have their own subpaths (`overseer/protocol`, `overseer/client`,
 * `overseer/server`).
 */
export {
  connect,
  ZooKeeperClient,
  type ClientOptions,
  ZooKeeperError,
  NoNodeError,
  NodeExistsError,
  BadVersionError,
  NotEmptyError,
  NoAuthError,
  ConnectionLossError,
  SessionExpiredError,
  CreateMode,
  Perms,
  OPEN_ACL_UNSAFE,
} from "./client/index.js";
export { startServer, type RunningServer, type ServerOptions } from "./server/index.js";
