/** The client's one options interface, its defaults, and `parseOptions()` (precise InvalidArgumentError). */
import { parseConnectString, type ConnectString } from "./connect-string.js";
import { OPEN_ACL_UNSAFE, type ACL } from "../protocol/index.js";
import { InvalidArgumentError } from "./errors.js";
import { parseSaslOptions, type ResolvedSasl, type SaslOptions } from "./sasl.js";
import { parseTlsOptions, type ResolvedTls, type TlsOptions } from "./tls.js";

/** pino-compatible logger: `logger.debug({ obj }, "msg")` or `logger.debug("msg")`. */
export interface Logger {
  trace?(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export const SILENT_LOGGER: Logger = Object.freeze({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});

export const DEFAULT_SESSION_TIMEOUT = 30_000;
export const DEFAULT_CONNECT_TIMEOUT = 15_000;
export const DEFAULT_RECONNECT_DELAY = 1_000;
/** Java's MAX_SEND_PING_INTERVAL: ping at least this often whatever the session timeout. */
export const MAX_PING_INTERVAL = 10_000;

export interface Credential {
  /** Auth scheme, e.g. "digest". */
  scheme: string;
  /** For digest: "user:password". */
  auth: Uint8Array | string;
}

export interface ClientOptions {
  /** `host:port[,host:port…][/chroot]`; hosts are tried in random order (see `shuffleHosts`). */
  connectString: string;
  /** Requested session timeout in ms; the server clamps it to [2, 20] × tickTime. Default 30 000. */
  sessionTimeout?: number;
  /**
   * How long `connect()` waits for the first session before rejecting with OperationTimeoutError (ms).
   * Each single attempt is further limited to sessionTimeout / number of hosts, as in Java. Default 15 000.
   */
  connectTimeout?: number;
  /** Upper bound of the random pause (ms) after every host was tried without success. Default 1 000. */
  reconnectDelay?: number;
  /** Try hosts in random order (spreads clients over an ensemble). Default true. */
  shuffleHosts?: boolean;
  /**
   * Validate paths and create modes before sending (Java does), failing with BadArgumentsError
   * locally. Set false to let the server judge (conformance tests of servers). Default true.
   */
  checkArguments?: boolean;
  /** Credentials sent (and re-sent after every reconnect) before any request. */
  auth?: readonly Credential[];
  /** Largest incoming frame accepted, bytes (jute.maxbuffer). Default 0xfffff. */
  maxFrameSize?: number;
  /**
   * A request without a reply after this many ms (counted from the call, so time spent waiting for a
   * reconnect counts too) fails with a retriable OperationTimeoutError; the outcome of a write is then
   * unknown, as after ConnectionLoss. 0 = no limit (the default, as in Java's client).
   */
  requestTimeout?: number;
  /** pino-compatible logger; default silent. */
  logger?: Logger;
  /**
   * Connect with TLS (to ZooKeeper's secureClientPort), to every host of the connect string.
   * `true` = TLS with Node's built-in CAs. A client certificate also authenticates as `x509:<subject DN>`.
   */
  tls?: TlsOptions | boolean;
  /**
   * ACL of every create that names none (the task system and recipes name none). Default
   * OPEN_ACL_UNSAFE; CREATOR_ALL_ACL keeps everything this client creates to its own identities
   * (sasl:<user>, x509:<subject DN>, digest:…).
   */
  defaultAcl?: readonly ACL[];
  /** SASL DIGEST-MD5 credentials, sent first on every connection (a refusal fails with AuthFailedError). */
  sasl?: SaslOptions;
  /**
   * Ask the server for watch events that carry the node's data and Stat (`WatchEvent.data`/`stat`):
   * overseer's embedded server sends them for nodes up to 16 KiB, which saves the read a watcher makes
   * after an event; Apache ZooKeeper ignores the request and sends plain events. Default true.
   */
  eventData?: boolean;
}

export interface ResolvedOptions {
  readonly connect: ConnectString;
  readonly sessionTimeout: number;
  readonly connectTimeout: number;
  readonly reconnectDelay: number;
  readonly shuffleHosts: boolean;
  readonly checkArguments: boolean;
  readonly auth: readonly Credential[];
  readonly maxFrameSize: number;
  readonly requestTimeout: number;
  readonly logger: Logger;
  readonly defaultAcl: readonly ACL[];
  readonly tls: ResolvedTls | null;
  readonly sasl: ResolvedSasl | null;
  readonly eventData: boolean;
}

function positiveInt(name: string, v: unknown, dflt: number, min = 1, max = 2 ** 31 - 1): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v))
    throw new InvalidArgumentError(name, `expected an integer, got ${typeof v === "number" ? v : typeof v}`);
  if (v < min || v > max) throw new InvalidArgumentError(name, `${v} is outside [${min}, ${max}]`);
  return v;
}

function flag(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") throw new InvalidArgumentError(name, `expected a boolean, got ${typeof v}`);
  return v;
}

function credentials(v: unknown): Credential[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new InvalidArgumentError("auth", "expected an array of { scheme, auth }");
  return v.map((c: unknown, i) => {
    const item = c as Partial<Credential> | null;
    if (item === null || typeof item !== "object" || typeof item.scheme !== "string" || item.scheme === "") {
      throw new InvalidArgumentError(`auth[${i}].scheme`, "expected a non-empty string");
    }
    if (typeof item.auth !== "string" && !(item.auth instanceof Uint8Array)) {
      throw new InvalidArgumentError(`auth[${i}].auth`, "expected a string or Uint8Array");
    }
    return { scheme: item.scheme, auth: item.auth };
  });
}

function logger(v: Logger | undefined): Logger {
  if (v === undefined) return SILENT_LOGGER;
  const l: Partial<Logger> | null = v;
  for (const m of ["debug", "info", "warn", "error"] as const) {
    if (l === null || typeof l !== "object" || typeof (l[m] as unknown) !== "function") {
      throw new InvalidArgumentError("logger", `expected a pino-compatible logger with a ${m}() method`);
    }
  }
  return v;
}

function defaultAcl(v: unknown): readonly ACL[] {
  if (v === undefined) return OPEN_ACL_UNSAFE;
  if (!Array.isArray(v) || v.length === 0)
    throw new InvalidArgumentError("defaultAcl", "expected a non-empty array of ACL entries");
  return Object.freeze(v.map((a: ACL) => ({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } })));
}

const KNOWN = new Set([
  "connectString",
  "sessionTimeout",
  "connectTimeout",
  "reconnectDelay",
  "shuffleHosts",
  "checkArguments",
  "auth",
  "maxFrameSize",
  "requestTimeout",
  "logger",
  "tls",
  "sasl",
  "defaultAcl",
  "eventData",
]);

/** Validates and copies `opts` (never mutated); throws InvalidArgumentError naming the bad field. */
export function parseOptions(opts: ClientOptions): ResolvedOptions {
  if (opts === null || typeof opts !== "object")
    throw new InvalidArgumentError("options", "expected an object");
  for (const key of Object.keys(opts)) {
    if (!KNOWN.has(key)) throw new InvalidArgumentError(key, "unknown option");
  }
  return Object.freeze({
    connect: parseConnectString(opts.connectString),
    sessionTimeout: positiveInt("sessionTimeout", opts.sessionTimeout, DEFAULT_SESSION_TIMEOUT),
    connectTimeout: positiveInt("connectTimeout", opts.connectTimeout, DEFAULT_CONNECT_TIMEOUT),
    reconnectDelay: positiveInt("reconnectDelay", opts.reconnectDelay, DEFAULT_RECONNECT_DELAY, 0),
    shuffleHosts: flag("shuffleHosts", opts.shuffleHosts, true),
    checkArguments: flag("checkArguments", opts.checkArguments, true),
    auth: Object.freeze(credentials(opts.auth)),
    maxFrameSize: positiveInt("maxFrameSize", opts.maxFrameSize, 0xfffff, 1024),
    requestTimeout: positiveInt("requestTimeout", opts.requestTimeout, 0, 0),
    logger: logger(opts.logger),
    defaultAcl: defaultAcl(opts.defaultAcl),
    tls: parseTlsOptions(opts.tls),
    sasl: parseSaslOptions(opts.sasl),
    eventData: flag("eventData", opts.eventData, true),
  });
}
