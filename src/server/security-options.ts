/**
 * The server's security options: a TLS listener beside the plain one, SASL DIGEST-MD5 users from a
 * JAAS file, super identities, and Apache 3.8's enforce.auth. Parsed and validated like the rest of
 * ServerOptions (pure: files are read when the server starts, see tls.ts and jaas.ts).
 */
import { InvalidArgumentError } from "./errors.js";

/** Apache's ssl.clientAuth: whether a TLS client must (need), may (want) or never (none) send a certificate. */
export type ClientAuth = "need" | "want" | "none";
export const CLIENT_AUTH_VALUES: readonly ClientAuth[] = ["need", "want", "none"];

export interface TlsServerOptions {
  /** TLS port (Apache's secureClientPort); 0 picks an ephemeral port. */
  port: number;
  /** Address of the TLS port (secureClientPortAddress). Default: the plain port's `host`. */
  host?: string;
  /** PEM file with the server's certificate (chain); may be the same file as `keyFile`. */
  certFile: string;
  /** PEM file with the server's private key (Apache's ssl.keyStore.location holds both). */
  keyFile: string;
  /** PEM file with the CA certificates that client certificates must chain to (ssl.trustStore.location). */
  caFile?: string;
  /** Passphrase of an encrypted private key (ssl.keyStore.password). */
  passphrase?: string;
  /** Client certificates: "need" (default when `caFile` is set), "want", or "none" (default without it). */
  clientAuth?: ClientAuth;
}

export interface SecurityOptions {
  tls?: TlsServerOptions;
  /**
   * A JAAS login configuration, as Apache reads from `-Djava.security.auth.login.config`: the users of
   * its `Server` section's DigestLoginModule (`user_<name>="<password>"`) may log in with SASL DIGEST-MD5.
   */
  jaasConfigFile?: string;
  /** The JAAS section to read (Apache's zookeeper.sasl.serverconfig). Default "Server". */
  saslLoginContext?: string;
  /** A SASL user that also counts as super (Apache's zookeeper.superUser). */
  saslSuperUser?: string;
  /** A client-certificate subject DN that also counts as super (zookeeper.X509AuthenticationProvider.superUser). */
  x509SuperUser?: string;
  /**
   * Apache 3.8's enforce.auth.enabled: a session whose connection holds no identity of one of
   * `enforceAuthSchemes` gets SESSIONCLOSEDREQUIRESASLAUTH for any request but auth and sasl, and is
   * disconnected. Default false.
   */
  enforceAuthEnabled?: boolean;
  /** enforce.auth.schemes: a list or a comma-separated string (digest, sasl, x509, ip). */
  enforceAuthSchemes?: readonly string[] | string;
}

export interface ResolvedTls {
  readonly port: number;
  readonly host: string | null;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string | null;
  readonly passphrase: string | null;
  readonly clientAuth: ClientAuth;
}

export interface ResolvedSecurity {
  readonly tls: ResolvedTls | null;
  readonly jaasConfigFile: string | null;
  readonly saslLoginContext: string;
  readonly saslSuperUser: string | null;
  readonly x509SuperUser: string | null;
  /** Empty when enforcement is off. */
  readonly enforceAuthSchemes: ReadonlySet<string>;
}

/** Schemes an identity can come from on this server. */
export const AUTH_SCHEMES: readonly string[] = ["digest", "ip", "sasl", "x509"];
export const DEFAULT_SASL_LOGIN_CONTEXT = "Server";

function str(name: string, v: unknown): string {
  if (typeof v !== "string" || v === "") throw new InvalidArgumentError(name, "expected a non-empty string");
  return v;
}

function optStr(name: string, v: unknown): string | null {
  return v === undefined || v === null ? null : str(name, v);
}

function parseTls(t: TlsServerOptions): ResolvedTls {
  if (typeof t !== "object" || t === null) throw new InvalidArgumentError("tls", "expected an object");
  const port = t.port;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError("tls.port", `expected a port number 0–65535, got ${String(port)}`);
  const caFile = optStr("tls.caFile", t.caFile);
  const clientAuth = t.clientAuth ?? (caFile === null ? "none" : "need");
  if (!CLIENT_AUTH_VALUES.includes(clientAuth))
    throw new InvalidArgumentError(
      "tls.clientAuth",
      `expected need, want or none, got ${String(clientAuth)}`,
    );
  if (clientAuth !== "none" && caFile === null)
    throw new InvalidArgumentError(
      "tls.clientAuth",
      `"${clientAuth}" needs tls.caFile to verify client certificates`,
    );
  return {
    port,
    host: optStr("tls.host", t.host),
    certFile: str("tls.certFile", t.certFile),
    keyFile: str("tls.keyFile", t.keyFile),
    caFile,
    passphrase: t.passphrase === undefined ? null : str("tls.passphrase", t.passphrase),
    clientAuth,
  };
}

function schemes(v: readonly string[] | string): Set<string> {
  const list = typeof v === "string" ? v.split(",") : v;
  if (!Array.isArray(list))
    throw new InvalidArgumentError("enforceAuthSchemes", "expected a list or a string");
  const out = new Set<string>();
  for (const raw of list) {
    const s = typeof raw === "string" ? raw.trim() : "";
    if (s === "") continue;
    if (!AUTH_SCHEMES.includes(s))
      throw new InvalidArgumentError(
        "enforceAuthSchemes",
        `authentication scheme ${JSON.stringify(s)} is not available`,
      );
    out.add(s);
  }
  return out;
}

/** Copy and validate; never mutates `o`. */
export function parseSecurityOptions(o: SecurityOptions): ResolvedSecurity {
  const enabled = o.enforceAuthEnabled ?? false;
  if (typeof enabled !== "boolean")
    throw new InvalidArgumentError("enforceAuthEnabled", "expected a boolean");
  const enforce = schemes(o.enforceAuthSchemes ?? []);
  // Apache refuses to start with enforcement on and no scheme to enforce.
  if (enabled && enforce.size === 0)
    throw new InvalidArgumentError(
      "enforceAuthSchemes",
      "must name at least one scheme when enforceAuthEnabled is true",
    );
  return {
    tls: o.tls === undefined ? null : parseTls(o.tls),
    jaasConfigFile: optStr("jaasConfigFile", o.jaasConfigFile),
    saslLoginContext: optStr("saslLoginContext", o.saslLoginContext) ?? DEFAULT_SASL_LOGIN_CONTEXT,
    saslSuperUser: optStr("saslSuperUser", o.saslSuperUser),
    x509SuperUser: optStr("x509SuperUser", o.x509SuperUser),
    enforceAuthSchemes: enabled ? enforce : new Set(),
  };
}
