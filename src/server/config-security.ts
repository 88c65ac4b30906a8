/**
 * zoo.cfg keys for TLS, SASL and enforce.auth. Apache turns unknown zoo.cfg keys into
 * `zookeeper.<key>` system properties, so `ssl.keyStore.location`, `enforce.auth.enabled`,
 * `superUser`… are read from zoo.cfg the same way here. Key and trust stores must be PEM files
 * (ssl.keyStore.type=PEM): the key store holds the private key and the certificate chain.
 */
import { ConfigError, bool, int } from "./config-values.js";
import type { ServerOptions } from "./options.js";
import { CLIENT_AUTH_VALUES, type ClientAuth } from "./security-options.js";

/** What the ssl.* keys said, assembled into ServerOptions.tls once the whole file is read. */
export interface TlsParts {
  port?: number;
  host?: string;
  keyStore?: string;
  keyStorePassword?: string;
  trustStore?: string;
  clientAuth?: ClientAuth;
  /** Where secureClientPort was, for the error when no key store goes with it. */
  portLine?: number;
}

/** Sets what one zoo.cfg key says; `tls` collects the ssl.* keys, `line` is the key's line. */
export type Setter = (
  o: ServerOptions,
  v: string,
  fail: (expected: string) => never,
  tls: TlsParts,
  line: number,
) => void;

const pem: Setter = (_o, v, f) => {
  if (v.toUpperCase() !== "PEM") f("PEM (the embedded server reads PEM key and trust stores only)");
};

const path =
  (set: (tls: TlsParts, v: string) => void): Setter =>
  (_o, v, f, tls) =>
    v === "" ? f("a file path") : set(tls, v);

export const SECURITY_KEYS: Record<string, Setter> = {
  secureClientPort: (_o, v, f, tls, line) => {
    tls.portLine = line;
    const port = int(v, f, 0, "a port number 0–65535");
    if (port > 65535) f("a port number 0–65535");
    tls.port = port;
  },
  secureClientPortAddress: (_o, v, f, tls) => (tls.host = v === "" ? f("an address") : v),
  "ssl.keyStore.location": path((tls, v) => (tls.keyStore = v)),
  "ssl.keyStore.password": (_o, v, _f, tls) => (tls.keyStorePassword = v),
  "ssl.keyStore.type": pem,
  "ssl.trustStore.location": path((tls, v) => (tls.trustStore = v)),
  "ssl.trustStore.type": pem,
  // A PEM trust store has no password; accepted so a zoo.cfg written for Apache loads unchanged.
  "ssl.trustStore.password": () => undefined,
  "ssl.clientAuth": (_o, v, f, tls) => {
    const c = v.toLowerCase();
    if (!(CLIENT_AUTH_VALUES as readonly string[]).includes(c)) f("need, want or none");
    tls.clientAuth = c as ClientAuth;
  },
  "enforce.auth.enabled": (o, v, f) => (o.enforceAuthEnabled = bool(v, f)),
  "enforce.auth.schemes": (o, v) => (o.enforceAuthSchemes = v),
  // Apache's older switch: the same as enforce.auth.enabled=true with enforce.auth.schemes=sasl.
  sessionRequireClientSASLAuth: (o, v, f) => {
    if (bool(v, f)) {
      o.enforceAuthEnabled = true;
      o.enforceAuthSchemes = "sasl";
    }
  },
  superUser: (o, v, f) => (o.saslSuperUser = v === "" ? f("a user name") : v),
  "X509AuthenticationProvider.superUser": (o, v, f) => (o.x509SuperUser = v === "" ? f("a DN") : v),
  "DigestAuthenticationProvider.superDigest": (o, v) => (o.superDigest = v),
  "sasl.serverconfig": (o, v, f) => (o.saslLoginContext = v === "" ? f("a JAAS section name") : v),
  // Not an Apache zoo.cfg key (Apache takes it as -Djava.security.auth.login.config): an overseer extension.
  "java.security.auth.login.config": (o, v, f) => (o.jaasConfigFile = v === "" ? f("a file path") : v),
};

export function finishTls(o: ServerOptions, tls: TlsParts, warnings: string[]): void {
  if (tls.port === undefined) {
    if (tls.keyStore !== undefined)
      warnings.push("ssl.keyStore.location is ignored without secureClientPort (quorum TLS does not apply)");
    return;
  }
  if (tls.keyStore === undefined)
    throw new ConfigError(
      "secureClientPort",
      String(tls.port),
      tls.portLine ?? 0,
      "ssl.keyStore.location to go with it",
    );
  o.tls = {
    port: tls.port,
    ...(tls.host === undefined ? {} : { host: tls.host }),
    certFile: tls.keyStore,
    keyFile: tls.keyStore,
    ...(tls.trustStore === undefined ? {} : { caFile: tls.trustStore }),
    ...(tls.keyStorePassword === undefined ? {} : { passphrase: tls.keyStorePassword }),
    ...(tls.clientAuth === undefined ? {} : { clientAuth: tls.clientAuth }),
  };
}
