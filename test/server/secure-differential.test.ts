/**
 * SASL, enforce.auth and x509 answers compared with Apache ZooKeeper 3.8 (same JAAS users, same
 * certificates, same settings, same raw requests): error codes, reply zxids, tokens, identities,
 * ACLs, and whether the connection is closed afterwards.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OpCode, records } from "../../src/protocol/index.js";
import { parseChallenge, respondToChallenge } from "../../src/protocol/sasl-digest.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import {
  skipUnlessApacheZooKeeper,
  startApacheZooKeeper,
  type ApacheZooKeeper,
} from "../harness/apache-zk.js";
import { makeTestCerts, type TestCerts } from "../harness/certs.js";
import { freePort } from "../harness/ports.js";
import { RawClient } from "./raw-client.js";

interface Outcome {
  steps: string[];
  closed: boolean;
}

/** Runs `script` on a fresh session and records each reply as "err/zxid/body" plus the final close state. */
async function observe(
  port: number,
  script: (c: RawClient, note: (s: string) => void) => Promise<void>,
): Promise<Outcome> {
  const c = await RawClient.connect(port, { timeout: 4000 });
  const steps: string[] = [];
  try {
    await script(c, (s) => steps.push(s));
  } catch (err) {
    steps.push(`threw ${String(err)}`);
  }
  // A closed connection shows up promptly; an open one answers a ping.
  let closed: boolean;
  try {
    const p = await c.call<null, null>(OpCode.ping, null, null, null);
    closed = p.err !== 0;
  } catch {
    closed = true;
  }
  c.socket.destroy();
  return { steps, closed };
}

async function sasl(c: RawClient, token: Buffer): Promise<{ line: string; token: Buffer | null }> {
  const r = await c.call(OpCode.sasl, records.SaslToken, { token }, records.SaslToken);
  const body = r.body?.token;
  const shown = body === undefined ? "no body" : body === null ? "null token" : "token";
  return { line: `sasl err=${r.err} zxid=${r.zxid} ${shown}`, token: body ?? null };
}

async function login(
  c: RawClient,
  note: (s: string) => void,
  password: string,
  username = "bob",
  authzid?: string,
): Promise<void> {
  const first = await sasl(c, Buffer.alloc(0));
  note(first.line);
  const creds = { username, password, ...(authzid === undefined ? {} : { authzid }) };
  const step = respondToChallenge(parseChallenge(first.token ?? Buffer.alloc(0)), creds);
  note((await sasl(c, step.token)).line);
}

async function whoAmI(c: RawClient, note: (s: string) => void): Promise<void> {
  const r = await c.call(OpCode.whoAmI, null, null, records.WhoAmIResponse);
  note(`whoAmI ${(r.body?.clientInfo ?? []).map((i) => `${i.authScheme}:${i.user}`).join(" ")}`);
}

async function exists(c: RawClient, note: (s: string) => void): Promise<void> {
  const r = await c.exists("/");
  note(`exists err=${r.err} zxid=${r.zxid === 0n ? "0" : "n"}`);
}

const SCENARIOS: Record<string, (c: RawClient, note: (s: string) => void) => Promise<void>> = {
  "login, then a request": async (c, note) => {
    await login(c, note, "secret");
    await exists(c, note);
    await whoAmI(c, note);
  },
  "login with an authzid naming someone else": async (c, note) => {
    await login(c, note, "secret", "bob", "alice");
    await whoAmI(c, note);
  },
  "addauth digest and a sasl login: whoAmI lists all ids in Apache's order": async (c, note) => {
    for (const auth of ["bob:pw", "alice:x", "zed:y"]) {
      const r = await c.call(
        OpCode.auth,
        records.AuthPacket,
        { type: 0, scheme: "digest", auth: Buffer.from(auth) },
        null,
      );
      note(`auth err=${r.err}`);
    }
    await whoAmI(c, note);
    await login(c, note, "secret");
    await whoAmI(c, note);
  },
  "a wrong password": (c, note) => login(c, note, "wrong"),
  // With bob's password an unknown user gets in on Apache 3.8: its SaslServerCallbackHandler keeps
  // the last known user name in a field shared by all connections. Not copied; see docs/SERVER.md.
  "an unknown user": (c, note) => login(c, note, "not-bobs", "mallory"),
  "a request before logging in": (c, note) => exists(c, note),
  "a sasl token after a completed login": async (c, note) => {
    await login(c, note, "secret");
    note((await sasl(c, Buffer.alloc(0))).line);
  },
  "a non-empty first token": async (c, note) => {
    note((await sasl(c, Buffer.from('username="bob"'))).line);
  },
  "a request after the challenge, before answering it": async (c, note) => {
    note((await sasl(c, Buffer.alloc(0))).line);
    await exists(c, note);
  },
};

describe(
  "SASL and enforce.auth answer as Apache ZooKeeper does",
  { skip: skipUnlessApacheZooKeeper() },
  () => {
    let dir: string;
    let jaas: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "overseer-sasl-diff-"));
      jaas = join(dir, "jaas.conf");
      writeFileSync(
        jaas,
        'Server {\n org.apache.zookeeper.server.auth.DigestLoginModule required\n user_bob="secret";\n};\n',
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    for (const enforce of [false, true]) {
      describe(enforce ? "with enforce.auth.schemes=sasl" : "without enforce.auth", () => {
        let apache: ApacheZooKeeper;
        let ours: RunningServer;
        before(async () => {
          apache = await startApacheZooKeeper({
            jvmFlags: [`-Djava.security.auth.login.config=${jaas}`],
            extraConfig: {
              "authProvider.sasl": "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
              ...(enforce ? { "enforce.auth.enabled": "true", "enforce.auth.schemes": "sasl" } : {}),
            },
          });
          ours = await startServer({
            port: 0,
            tickTime: 200,
            jaasConfigFile: jaas,
            ...(enforce ? { enforceAuthEnabled: true, enforceAuthSchemes: "sasl" } : {}),
          });
        });
        after(async () => {
          await Promise.all([apache?.stop(), ours?.close()]);
        });
        for (const [name, script] of Object.entries(SCENARIOS)) {
          test(name, async () => {
            const want = await observe(apache.port, script);
            const got = await observe(ours.port, script);
            assert.deepEqual(got, want);
          });
        }
      });
    }
  },
);

describe(
  "x509 identities over TLS answer as Apache ZooKeeper does",
  { skip: skipUnlessApacheZooKeeper() },
  () => {
    let certs: TestCerts;
    let apache: ApacheZooKeeper;
    let apacheSecure: number;
    let ours: RunningServer;
    before(async () => {
      certs = await makeTestCerts();
      apacheSecure = await freePort();
      apache = await startApacheZooKeeper({
        extraConfig: {
          serverCnxnFactory: "org.apache.zookeeper.server.NettyServerCnxnFactory",
          secureClientPort: String(apacheSecure),
          "ssl.keyStore.location": certs.server.keyStorePath,
          "ssl.keyStore.type": "PEM",
          "ssl.trustStore.location": certs.caPath,
          "ssl.trustStore.type": "PEM",
          "ssl.clientAuth": "need",
          "authProvider.x509": "org.apache.zookeeper.server.auth.X509AuthenticationProvider",
        },
      });
      ours = await startServer({
        port: 0,
        tls: {
          port: 0,
          certFile: certs.server.keyStorePath,
          keyFile: certs.server.keyStorePath,
          caFile: certs.caPath,
        },
      });
    });
    after(async () => {
      await Promise.all([apache?.stop(), ours?.close()]);
      certs?.remove();
    });

    test("whoAmI, an auth ACL expanded to the certificate's DN, and what another session sees", async () => {
      const run = async (port: number, plainPort: number): Promise<string[]> => {
        const steps: string[] = [];
        const c = await RawClient.openTls(port, {
          ca: certs.ca,
          cert: certs.client.cert,
          key: certs.client.key,
          servername: "localhost",
        });
        await c.handshake({ timeout: 4000 });
        await whoAmI(c, (s) => steps.push(s));
        const auth = [{ perms: 31, id: { scheme: "auth", id: "" } }];
        steps.push(`create err=${(await c.create("/x509-diff", "d", 0, auth)).err}`);
        const acl = await c.call(
          OpCode.getACL,
          records.PathRequest,
          { path: "/x509-diff" },
          records.GetACLResponse,
        );
        steps.push(`acl ${JSON.stringify(acl.body?.acl)}`);
        c.socket.destroy();
        const plain = await RawClient.connect(plainPort, { timeout: 4000 });
        steps.push(`plain getData err=${(await plain.getData("/x509-diff")).err}`);
        plain.socket.destroy();
        return steps;
      };
      const want = await run(apacheSecure, apache.port);
      const got = await run(ours.securePort ?? 0, ours.port);
      assert.deepEqual(got, want);
      assert.match(want.join("\n"), new RegExp(`x509:${certs.clientDn}`));
    });
  },
);
