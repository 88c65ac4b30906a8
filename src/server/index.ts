/** `overseer/server`: the embedded single-node ZooKeeper-compatible server. */
export { startServer, type RunningServer } from "./start.js";
export type { ServerOptions } from "./options.js";
export {
  DEFAULT_PORT,
  DEFAULT_HOST,
  DEFAULT_TICK_TIME,
  DEFAULT_CONTAINER_CHECK_INTERVAL_MS,
} from "./options.js";
export type { ServerStats } from "./fourletter.js";
export type { Logger, LogFn } from "./logger.js";
export { InvalidArgumentError, ServerClosedError, StorageCorruptError } from "./errors.js";
export { parseConfig, ConfigError, type ParsedConfig } from "./config.js";
export type { SnapshotResult } from "./storage/snapshot.js";
export type { ClientAuth, SecurityOptions, TlsServerOptions } from "./security-options.js";
export { JaasConfigError, parseJaas, type JaasConfig, type JaasEntry } from "./jaas.js";
