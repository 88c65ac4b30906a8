/**
 * TLS for the client (ZooKeeper's `secureClientPort`): the options, opening a TLS socket to one
 * host, and turning Node's TLS failures into a TlsError that names the cause (a certificate the
 * other side refused, a plaintext peer, a TLS peer on our plain connection).
 *
 * With a client certificate the server may authenticate the connection with its x509 scheme
 * (ACL id `x509:<subject DN>`); nothing else is sent for that.
 */
import net from "node:net";
import tls from "node:tls";
import { ErrorCode } from "../protocol/index.js";
import { InvalidArgumentError, ZooKeeperError, type ZooKeeperErrorOptions } from "./errors.js";
import type { HostPort } from "./connect-string.js";

type Pem = string | Uint8Array;

export interface TlsOptions {
  /** PEM CA certificate(s) that signed the servers' certificates. Default: Node's built-in roots. */
  ca?: Pem | readonly Pem[];
  /** PEM client certificate (chain), for servers that require one (ssl.clientAuth) or x509 ACLs. */
  cert?: Pem;
  /** PEM private key of `cert`. */
  key?: Pem;
  /** Name checked against the server's certificate (and sent as SNI). Default: each host's own name. */
  servername?: string;
  /** Refuse servers whose certificate does not verify against `ca`. Default true. */
  rejectUnauthorized?: boolean;
}

export interface ResolvedTls {
  readonly ca: Buffer[] | undefined;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  readonly servername: string | undefined;
  readonly rejectUnauthorized: boolean;
}

/**
 * The TLS layer failed: a certificate was refused (by us or by the server), or one side does not
 * speak TLS. Not retriable: the same credentials will fail the same way.
 */
export class TlsError extends ZooKeeperError {
  constructor(o: ZooKeeperErrorOptions & { message: string }) {
    super(ErrorCode.SYSTEMERROR, o);
    this.name = "TlsError";
    this.message = o.message;
  }
}

function pem(name: string, v: unknown): Buffer {
  if (typeof v === "string") return Buffer.from(v);
  if (v instanceof Uint8Array) return Buffer.from(v);
  throw new InvalidArgumentError(name, "expected a PEM string or Buffer");
}

function looksLikePem(name: string, b: Buffer): Buffer {
  if (!b.includes("-----BEGIN ")) throw new InvalidArgumentError(name, "not PEM (no -----BEGIN line)");
  return b;
}

/** Validates and copies the `tls` option; null when TLS is off. */
export function parseTlsOptions(v: unknown): ResolvedTls | null {
  if (v === undefined || v === false) return null;
  if (v === true) v = {};
  if (v === null || typeof v !== "object") throw new InvalidArgumentError("tls", "expected an object");
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!["ca", "cert", "key", "servername", "rejectUnauthorized"].includes(key))
      throw new InvalidArgumentError(`tls.${key}`, "unknown option");
  }
  const list = o.ca === undefined ? undefined : Array.isArray(o.ca) ? (o.ca as unknown[]) : [o.ca];
  const cert = o.cert === undefined ? undefined : looksLikePem("tls.cert", pem("tls.cert", o.cert));
  const key = o.key === undefined ? undefined : looksLikePem("tls.key", pem("tls.key", o.key));
  if ((cert === undefined) !== (key === undefined))
    throw new InvalidArgumentError(
      cert === undefined ? "tls.cert" : "tls.key",
      "tls.cert and tls.key go together",
    );
  if (o.servername !== undefined && (typeof o.servername !== "string" || o.servername === ""))
    throw new InvalidArgumentError("tls.servername", "expected a non-empty string");
  if (o.rejectUnauthorized !== undefined && typeof o.rejectUnauthorized !== "boolean")
    throw new InvalidArgumentError("tls.rejectUnauthorized", "expected a boolean");
  return Object.freeze({
    ca: list?.map((c, i) => looksLikePem(`tls.ca[${i}]`, pem(`tls.ca[${i}]`, c))),
    cert,
    key,
    servername: o.servername,
    rejectUnauthorized: o.rejectUnauthorized ?? true,
  });
}

/** A TCP or TLS socket to `hp`, and the event that says it is ready for the ZooKeeper handshake. */
export function openSocket(
  hp: HostPort,
  opts: ResolvedTls | null,
  onread: net.OnReadOpts,
): { socket: net.Socket; ready: "connect" | "secureConnect" } {
  if (opts === null)
    return { socket: net.connect({ host: hp.host, port: hp.port, onread }), ready: "connect" };
  const servername = opts.servername ?? hp.host;
  const options: tls.ConnectionOptions & net.ConnectOpts = {
    onread,
    host: hp.host,
    port: hp.port,
    ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
    ...(opts.cert !== undefined ? { cert: opts.cert, key: opts.key } : {}),
    // SNI must not be an IP address; the certificate check still uses `servername` through checkServerIdentity.
    ...(net.isIP(servername) === 0 ? { servername } : {}),
    checkServerIdentity: (_host, cert) => tls.checkServerIdentity(servername, cert),
    rejectUnauthorized: opts.rejectUnauthorized,
  };
  return { socket: tls.connect(options), ready: "secureConnect" };
}

const CERT_CODES = new Set([
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * Maps an error seen while opening a connection to a TlsError naming the cause, or returns it
 * unchanged when it is not about TLS. `tlsOn`: whether we spoke TLS; `secured`: whether the TLS
 * handshake had completed (from our side) when the error came.
 */
export function classifyOpenError(err: Error, server: string, tlsOn: boolean, secured: boolean): Error {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  const what = `TLS with ${server}`;
  if (!tlsOn) return err;
  if (CERT_CODES.has(code))
    return new TlsError({
      message: `${what} failed: certificate problem with the server's certificate: ${err.message} (${code})`,
      cause: err,
    });
  if (/ALERT_(BAD_CERTIFICATE|CERTIFICATE_|UNKNOWN_CA|CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE)/.test(code)) {
    const alert = /alert ([a-z ]+)/.exec(err.message)?.[1] ?? code;
    return new TlsError({
      message: `${what} failed: certificate problem: the server refused our client certificate (TLS alert "${alert}")`,
      cause: err,
    });
  }
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_PACKET_LENGTH_TOO_LONG")
    return new TlsError({
      message: `${what} failed: the server does not speak TLS (a plaintext port? ZooKeeper serves TLS on its secureClientPort) (${code})`,
      cause: err,
    });
  if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_"))
    return new TlsError({ message: `${what} failed: ${err.message} (${code})`, cause: err });
  if (!secured && (code === "ECONNRESET" || code === "EPIPE" || /before secure TLS/.test(err.message)))
    return new TlsError({
      message:
        `${what} failed: the server closed the connection during the TLS handshake ` +
        `(a plaintext port? ZooKeeper serves TLS on its secureClientPort)`,
      cause: err,
    });
  return err;
}

/** The first bytes of a reply on a plaintext connection look like a TLS record (alert or handshake). */
export function looksLikeTlsRecord(chunk: Buffer): boolean {
  const type = chunk[0];
  return chunk.length >= 3 && (type === 0x15 || type === 0x16) && chunk[1] === 0x03 && (chunk[2] ?? 9) <= 4;
}

export function plaintextToTlsPort(server: string): TlsError {
  return new TlsError({
    message: `${server} speaks TLS: it is a TLS port (secureClientPort); connect with the tls option`,
  });
}

/**
 * Whether `hp` answers a TLS hello (its certificate unchecked: this only asks "is it a TLS port?").
 * A TLS alert counts as yes. Used after a plaintext handshake was closed without a reply.
 */
export function speaksTls(hp: HostPort, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: hp.host,
      port: hp.port,
      rejectUnauthorized: false,
      ...(net.isIP(hp.host) === 0 ? { servername: hp.host } : {}),
    });
    const done = (yes: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(yes);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    signal.addEventListener("abort", onAbort);
    socket.once("secureConnect", () => done(true));
    socket.once("error", (err: NodeJS.ErrnoException) => done(/_ALERT_/.test(err.code ?? "")));
    socket.once("close", () => done(false));
  });
}
