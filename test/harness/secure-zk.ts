/**
 * zoo.cfg entries and JVM flags that make an Apache ZooKeeper (standalone or ensemble member) serve
 * TLS on a `secureClientPort` (Netty, PEM key and trust stores; the plain client port stays, for
 * 4lw probes and plaintext tests) and/or SASL DIGEST-MD5 with users from a JAAS `Server` section.
 * Quorum traffic stays plain.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CertPair, TestCerts } from "./certs.js";

export interface SecureServerOptions {
  /** Serve TLS with these certificates (trust store: their CA) on a secure client port. */
  tls?: {
    certs: TestCerts;
    /** The server's own certificate; default `certs.server`. */
    keyStore?: CertPair;
    /** ssl.clientAuth: "need" (default), "want" or "none". */
    clientAuth?: "need" | "want" | "none";
  };
  /** SASL DIGEST-MD5 users (name → password); SASLAuthenticationProvider is enabled. */
  saslUsers?: Record<string, string>;
  /** enforce.auth.enabled with these schemes (e.g. ["sasl"]): unauthenticated requests fail. */
  enforceAuthSchemes?: string[];
}

/** Settings for one server whose files live in `dir`; `securePort` is used when `tls` is set. */
export function secureSettings(
  dir: string,
  opts: SecureServerOptions,
  securePort: number,
): { config: Record<string, string>; jvmFlags: string[] } {
  const config: Record<string, string> = {};
  const jvmFlags: string[] = [];
  if (opts.tls !== undefined) {
    const { certs } = opts.tls;
    Object.assign(config, {
      serverCnxnFactory: "org.apache.zookeeper.server.NettyServerCnxnFactory",
      secureClientPort: String(securePort),
      "ssl.keyStore.location": (opts.tls.keyStore ?? certs.server).keyStorePath,
      "ssl.keyStore.type": "PEM",
      "ssl.trustStore.location": certs.caPath,
      "ssl.trustStore.type": "PEM",
      "ssl.clientAuth": opts.tls.clientAuth ?? "need",
    });
  }
  if (opts.saslUsers !== undefined) {
    const users = Object.entries(opts.saslUsers)
      .map(([u, p]) => `  user_${u}="${p}"`)
      .join("\n");
    const jaas = join(dir, "jaas.conf");
    writeFileSync(
      jaas,
      `Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n${users};\n};\n`,
    );
    jvmFlags.push(`-Djava.security.auth.login.config=${jaas}`);
    config["authProvider.sasl"] = "org.apache.zookeeper.server.auth.SASLAuthenticationProvider";
  }
  if (opts.enforceAuthSchemes !== undefined) {
    config["enforce.auth.enabled"] = "true";
    config["enforce.auth.schemes"] = opts.enforceAuthSchemes.join(",");
  }
  return { config, jvmFlags };
}
