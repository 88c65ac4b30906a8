/** Options of the embedded server, their defaults, and precise validation. */
import { DEFAULT_MAX_BUFFER } from "../protocol/index.js";
import { InvalidArgumentError } from "./errors.js";
import { silentLogger, type Logger } from "./logger.js";
import { FOUR_LETTER_WORDS } from "./fourletter.js";
import { parseSecurityOptions, type ResolvedSecurity, type SecurityOptions } from "./security-options.js";

/** See security-options.ts for TLS, SASL and enforce.auth. */
export interface ServerOptions extends SecurityOptions {
  /** TCP port; 0 picks an ephemeral port. Default 2181. */
  port?: number;
  /** Address to listen on. Default "127.0.0.1". */
  host?: string;
  /** The base time unit in ms: session expiry is bucketed to it. Default 2000. */
  tickTime?: number;
  /** Smallest negotiated session timeout. Default 2 × tickTime. */
  minSessionTimeout?: number;
  /** Largest negotiated session timeout. Default 20 × tickTime. */
  maxSessionTimeout?: number;
  /** jute.maxbuffer: frames longer than this close the connection. Default 0xfffff. */
  maxBuffer?: number;
  /** Four-letter words to answer: a list or a comma-separated string; "*" means all. Default ["srvr"]. */
  fourLetterWords?: readonly string[] | string;
  /** Allow TTL nodes (Apache's zookeeper.extendedTypesEnabled). Default true for the embedded server. */
  extendedTypesEnabled?: boolean;
  /** How often the container/TTL reaper runs, in ms. Default 60000. */
  containerCheckIntervalMs?: number;
  /** Delete containers that never had a child after this many ms since mtime; 0 = never. Default 0. */
  maxNeverUsedContainerMs?: number;
  /** `super:<base64 sha1>` as produced for digest ids; a matching addauth bypasses every ACL. */
  superDigest?: string;
  /** pino-compatible logger. Default: silent. */
  logger?: Logger;
  /**
   * Directory for snapshots (and the txn log unless dataLogDir is set). Without it the server is
   * in-memory only: nothing survives a restart.
   */
  dataDir?: string;
  /** Directory for the txn log (put it on its own disk for fsync latency). Default: dataDir. */
  dataLogDir?: string;
  /** fdatasync the txn log before acknowledging writes. Default true. */
  forceSync?: boolean;
  /** Write a snapshot after this many txns. Default 100000. */
  snapCount?: number;
  /** Snapshots (and the logs they need) kept after a new snapshot; older ones are deleted. Default 3. */
  snapRetainCount?: number;
  /** Concurrent connections allowed from one client address; 0 = unlimited. Default 60. */
  maxClientCnxns?: number;
  /**
   * Requests one connection may have queued or awaiting their reply before the server stops reading
   * from it (backpressure). Default 1000.
   */
  maxOutstandingRequests?: number;
}

export interface ResolvedOptions {
  readonly port: number;
  readonly host: string;
  readonly tickTime: number;
  readonly minSessionTimeout: number;
  readonly maxSessionTimeout: number;
  readonly maxBuffer: number;
  readonly fourLetterWords: ReadonlySet<string>;
  readonly extendedTypesEnabled: boolean;
  readonly containerCheckIntervalMs: number;
  readonly maxNeverUsedContainerMs: number;
  readonly superDigest: string | null;
  readonly logger: Logger;
  readonly dataDir: string | null;
  readonly dataLogDir: string | null;
  readonly forceSync: boolean;
  readonly snapCount: number;
  readonly snapRetainCount: number;
  readonly maxClientCnxns: number;
  readonly maxOutstandingRequests: number;
  readonly security: ResolvedSecurity;
}

export const DEFAULT_PORT = 2181;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_TICK_TIME = 2000;
export const DEFAULT_CONTAINER_CHECK_INTERVAL_MS = 60_000;
export const DEFAULT_SNAP_COUNT = 100_000;
export const DEFAULT_SNAP_RETAIN_COUNT = 3;
export const DEFAULT_MAX_CLIENT_CNXNS = 60;
export const DEFAULT_MAX_OUTSTANDING_REQUESTS = 1000;
export const DEFAULT_FOUR_LETTER_WORDS: readonly string[] = ["srvr"];
/** Kept below every 4lw code (≈ 0x63…) so the 4lw detection stays unambiguous (PROTOCOL.md §1.1). */
export const MAX_MAX_BUFFER = 0x1000_0000;

function int(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(name, `expected an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

function fourLetterWords(v: readonly string[] | string): Set<string> {
  const list = typeof v === "string" ? v.split(",") : v;
  if (!Array.isArray(list))
    throw new InvalidArgumentError("fourLetterWords", "expected a list of commands or a string");
  const out = new Set<string>();
  for (const raw of list) {
    const w = typeof raw === "string" ? raw.trim() : "";
    if (w === "") continue;
    if (w === "*") for (const k of FOUR_LETTER_WORDS) out.add(k);
    else if (FOUR_LETTER_WORDS.includes(w)) out.add(w);
    else throw new InvalidArgumentError("fourLetterWords", `unknown command ${JSON.stringify(raw)}`);
  }
  return out;
}

function isLogger(v: unknown): v is Logger {
  if (typeof v !== "object" || v === null) return false;
  const l = v as Record<string, unknown>;
  return ["debug", "info", "warn", "error"].every((k) => typeof l[k] === "function");
}

/** Copy and validate; never mutates `opts`. */
export function parseOptions(opts: ServerOptions = {}): ResolvedOptions {
  if (typeof opts !== "object" || opts === null)
    throw new InvalidArgumentError("options", "expected an object");
  const port = int("port", opts.port ?? DEFAULT_PORT, 0, 65535);
  const host = opts.host ?? DEFAULT_HOST;
  if (typeof host !== "string" || host === "")
    throw new InvalidArgumentError("host", "expected a non-empty string");
  const tickTime = int("tickTime", opts.tickTime ?? DEFAULT_TICK_TIME, 1, 3_600_000);
  const minSessionTimeout = int("minSessionTimeout", opts.minSessionTimeout ?? 2 * tickTime, 1, 0x7fffffff);
  const maxSessionTimeout = int("maxSessionTimeout", opts.maxSessionTimeout ?? 20 * tickTime, 1, 0x7fffffff);
  if (minSessionTimeout > maxSessionTimeout) {
    throw new InvalidArgumentError(
      "minSessionTimeout",
      `must not exceed maxSessionTimeout (${minSessionTimeout} > ${maxSessionTimeout})`,
    );
  }
  const maxBuffer = int("maxBuffer", opts.maxBuffer ?? DEFAULT_MAX_BUFFER, 1024, MAX_MAX_BUFFER);
  const extendedTypesEnabled = opts.extendedTypesEnabled ?? true;
  if (typeof extendedTypesEnabled !== "boolean") {
    throw new InvalidArgumentError("extendedTypesEnabled", "expected a boolean");
  }
  const containerCheckIntervalMs = int(
    "containerCheckIntervalMs",
    opts.containerCheckIntervalMs ?? DEFAULT_CONTAINER_CHECK_INTERVAL_MS,
    1,
    0x7fffffff,
  );
  const maxNeverUsedContainerMs = int("maxNeverUsedContainerMs", opts.maxNeverUsedContainerMs ?? 0, 0);
  const superDigest = opts.superDigest ?? null;
  if (superDigest !== null && (typeof superDigest !== "string" || !/^[^:]+:[^:]+$/.test(superDigest))) {
    throw new InvalidArgumentError("superDigest", 'expected "super:<base64 sha1 digest>"');
  }
  const logger = opts.logger ?? silentLogger;
  if (!isLogger(logger))
    throw new InvalidArgumentError("logger", "expected an object with debug/info/warn/error");
  const dataDir = opts.dataDir ?? null;
  if (dataDir !== null && (typeof dataDir !== "string" || dataDir === "")) {
    throw new InvalidArgumentError("dataDir", "expected a non-empty string");
  }
  const dataLogDir = opts.dataLogDir ?? dataDir;
  if (dataLogDir !== null && (typeof dataLogDir !== "string" || dataLogDir === "")) {
    throw new InvalidArgumentError("dataLogDir", "expected a non-empty string");
  }
  if (dataLogDir !== null && dataDir === null)
    throw new InvalidArgumentError("dataLogDir", "requires dataDir");
  const forceSync = opts.forceSync ?? true;
  if (typeof forceSync !== "boolean") throw new InvalidArgumentError("forceSync", "expected a boolean");
  return {
    port,
    host,
    tickTime,
    minSessionTimeout,
    maxSessionTimeout,
    maxBuffer,
    fourLetterWords: fourLetterWords(opts.fourLetterWords ?? DEFAULT_FOUR_LETTER_WORDS),
    extendedTypesEnabled,
    containerCheckIntervalMs,
    maxNeverUsedContainerMs,
    superDigest,
    logger,
    dataDir,
    dataLogDir,
    forceSync,
    snapCount: int("snapCount", opts.snapCount ?? DEFAULT_SNAP_COUNT, 2),
    snapRetainCount: int("snapRetainCount", opts.snapRetainCount ?? DEFAULT_SNAP_RETAIN_COUNT, 1),
    maxClientCnxns: int("maxClientCnxns", opts.maxClientCnxns ?? DEFAULT_MAX_CLIENT_CNXNS, 0),
    maxOutstandingRequests: int(
      "maxOutstandingRequests",
      opts.maxOutstandingRequests ?? DEFAULT_MAX_OUTSTANDING_REQUESTS,
      1,
    ),
    security: parseSecurityOptions(opts),
  };
}
