/**
 * One secure suite, two servers: `forEachSecureServer(title, opts, body)` registers a `describe` per
 * server — the embedded server (src/server: a TLS listener beside the plain port, SASL DIGEST-MD5
 * users from a JAAS file) and Apache ZooKeeper 3.8 (secureClientPort, see secure-zk.ts) — started once
 * for the describe with the same certificates, client-auth mode and SASL users. Honours
 * OVERSEER_BACKENDS like forEachBackend; a server that cannot run here is skipped with the reason.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { startServer } from "../../src/server/index.js";
import { skipUnlessApacheZooKeeper, startApacheZooKeeper } from "./apache-zk.js";
import { selectedBackends, type BackendName } from "./backends.js";
import { makeTestCerts, type TestCerts } from "./certs.js";

export interface SecureServerSpec {
  /** ssl.clientAuth of the TLS port. */
  clientAuth: "need" | "want" | "none";
  /** SASL DIGEST-MD5 users, name → password. */
  saslUsers: Record<string, string>;
}

export interface SecureServer {
  readonly name: BackendName;
  /** The plain port, `127.0.0.1:<port>`. */
  readonly connectString: string;
  /** The TLS port, `127.0.0.1:<securePort>`. */
  readonly secureConnectString: string;
  /** The certificates the server was started with (made fresh for the describe). */
  readonly certs: TestCerts;
}

interface Started {
  server: Omit<SecureServer, "certs">;
  stop(): Promise<void>;
}

async function startEmbedded(certs: TestCerts, spec: SecureServerSpec): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), "overseer-secure-embedded-"));
  const jaas = join(dir, "jaas.conf");
  const users = Object.entries(spec.saslUsers)
    .map(([u, p]) => `  user_${u}="${p}"`)
    .join("\n");
  writeFileSync(
    jaas,
    `Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n${users};\n};\n`,
  );
  const srv = await startServer({
    port: 0,
    host: "127.0.0.1",
    tickTime: 100,
    dataDir: join(dir, "data"),
    jaasConfigFile: jaas,
    tls: {
      port: 0,
      certFile: certs.server.certPath,
      keyFile: certs.server.keyPath,
      caFile: certs.caPath,
      clientAuth: spec.clientAuth,
    },
  });
  const secure = srv.secureConnectString;
  if (secure === null) throw new Error("the embedded server started without a TLS port");
  return {
    server: { name: "embedded", connectString: srv.connectString, secureConnectString: secure },
    stop: async () => {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startApache(certs: TestCerts, spec: SecureServerSpec): Promise<Started> {
  const zk = await startApacheZooKeeper({
    secure: { tls: { certs, clientAuth: spec.clientAuth }, saslUsers: spec.saslUsers },
  });
  const secure = zk.secureConnectString;
  if (secure === undefined) throw new Error("Apache ZooKeeper started without a secure port");
  return {
    server: { name: "apache", connectString: zk.connectString, secureConnectString: secure },
    stop: () => zk.stop(),
  };
}

const STARTERS: Record<
  BackendName,
  { label: string; problem: () => string | false; start: typeof startEmbedded }
> = {
  embedded: { label: "embedded", problem: () => false, start: startEmbedded },
  apache: { label: "apache standalone", problem: skipUnlessApacheZooKeeper, start: startApache },
};

export function forEachSecureServer(
  title: string,
  spec: SecureServerSpec,
  body: (server: () => SecureServer) => void,
): void {
  for (const name of selectedBackends()) {
    const starter = STARTERS[name];
    describe(`${title} [${starter.label}]`, { skip: starter.problem() }, () => {
      let certs: TestCerts | undefined;
      let started: Started | undefined;
      before(async () => {
        certs = await makeTestCerts();
        started = await starter.start(certs, spec);
      });
      after(async () => {
        await started?.stop();
        certs?.remove();
      });
      body(() => {
        if (started === undefined || certs === undefined) throw new Error(`${name} did not start`);
        return { ...started.server, certs };
      });
    });
  }
}
