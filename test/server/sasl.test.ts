/**
 * SASL DIGEST-MD5 on the embedded server with users from a JAAS file, and enforce.auth, driven by
 * raw-protocol clients (the DIGEST-MD5 client side from protocol/sasl-digest.ts).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode, OpCode, Perms, records } from "../../src/protocol/index.js";
import { parseChallenge, respondToChallenge, verifyRspauth } from "../../src/protocol/sasl-digest.js";
import {
  JaasConfigError,
  startServer,
  type RunningServer,
  type ServerOptions,
} from "../../src/server/index.js";
import { makeTestCerts, type TestCerts } from "../harness/certs.js";
import { RawClient, type Reply } from "./raw-client.js";

let dir: string;
let jaas: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "overseer-sasl-"));
  jaas = join(dir, "jaas.conf");
  writeFileSync(
    jaas,
    `// users for the embedded server
Server {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  user_bob="bob-secret"
  user_super="admin";
};
Client {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  username="bob" password="bob-secret";
};
`,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

function sasl(c: RawClient, token: Buffer): Promise<Reply<records.SaslToken>> {
  return c.call(OpCode.sasl, records.SaslToken, { token }, records.SaslToken);
}

/** The whole exchange; returns the final reply's error code (0 = logged in, rspauth checked). */
async function login(c: RawClient, username: string, password: string): Promise<number> {
  const first = await sasl(c, Buffer.alloc(0));
  assert.equal(first.err, 0);
  assert.equal(first.zxid, 0n, "sasl replies carry zxid 0");
  const challenge = parseChallenge(first.body?.token ?? Buffer.alloc(0));
  assert.deepEqual(challenge.realms, ["zk-sasl-md5"]);
  const step = respondToChallenge(challenge, { username, password });
  const last = await sasl(c, step.token);
  if (last.err === 0) assert.ok(verifyRspauth(last.body?.token ?? Buffer.alloc(0), step.expectedRspauth));
  return last.err;
}

async function ids(c: RawClient): Promise<string[]> {
  const r = await c.call(OpCode.whoAmI, null, null, records.WhoAmIResponse);
  return (r.body?.clientInfo ?? []).map((i) => `${i.authScheme}:${i.user}`);
}

async function start(extra: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ port: 0, tickTime: 100, jaasConfigFile: jaas, ...extra });
}

describe("SASL DIGEST-MD5 with JAAS users", () => {
  let server: RunningServer;
  before(async () => {
    server = await start({ saslSuperUser: "super" });
  });
  after(() => server.close());

  test("a JAAS user logs in as sasl:<user>; sasl ACLs admit it and no one else", async () => {
    const c = await RawClient.connect(server.port, { timeout: 2000 });
    assert.equal(await login(c, "bob", "bob-secret"), 0);
    assert.deepEqual(await ids(c), ["sasl:bob", "ip:127.0.0.1"]); // Apache's order, checked on the wire
    const acl = [{ perms: Perms.ALL, id: { scheme: "sasl", id: "bob" } }];
    assert.equal((await c.create("/bob", "mine", 0, acl)).err, 0);
    assert.equal((await c.getData("/bob")).body?.data?.toString(), "mine");
    const other = await RawClient.connect(server.port, { timeout: 2000 });
    assert.equal((await other.getData("/bob")).err, ErrorCode.NOAUTH);
    // A SASL user named by saslSuperUser gets past every ACL.
    const admin = await RawClient.connect(server.port, { timeout: 2000 });
    assert.equal(await login(admin, "super", "admin"), 0);
    assert.equal((await admin.getData("/bob")).err, 0);
    for (const x of [c, other, admin]) await x.close();
  });

  test("a wrong password: AUTHFAILED, the connection closes, other sessions carry on", async () => {
    const witness = await RawClient.connect(server.port, { timeout: 2000 });
    const c = await RawClient.connect(server.port, { timeout: 2000 });
    assert.equal(await login(c, "bob", "wrong"), ErrorCode.AUTHFAILED);
    await c.closedPromise;
    const unknown = await RawClient.connect(server.port, { timeout: 2000 });
    assert.equal(await login(unknown, "mallory", "x"), ErrorCode.AUTHFAILED);
    await unknown.closedPromise;
    assert.equal((await witness.exists("/")).err, 0);
    await witness.close();
  });

  test("a SASL exchange that stops halfway: nothing else is affected; the session expires", async () => {
    const witness = await RawClient.connect(server.port, { timeout: 2000 });
    const c = await RawClient.connect(server.port, { timeout: 400 });
    const first = await sasl(c, Buffer.alloc(0));
    assert.equal(first.err, 0);
    // The client goes silent after the challenge: other sessions, and logins, still work meanwhile.
    const other = await RawClient.connect(server.port, { timeout: 2000 });
    assert.equal(await login(other, "bob", "bob-secret"), 0);
    assert.equal((await witness.exists("/")).err, 0);
    // Like any silent session it expires after its timeout, and the server closes its connection.
    await c.closedPromise;
    assert.equal(server.expireSession(c.sessionId), false, "the stalled session is gone");
    await other.close();
    await witness.close();
  });

  test("a second SASL token after a completed login: AUTHFAILED and a close", async () => {
    const c = await RawClient.connect(server.port, { timeout: 2000 });
    assert.equal(await login(c, "bob", "bob-secret"), 0);
    assert.equal((await sasl(c, Buffer.alloc(0))).err, ErrorCode.AUTHFAILED);
    await c.closedPromise;
  });
});

describe("enforce.auth", () => {
  let certs: TestCerts;
  before(async () => {
    certs = await makeTestCerts();
  });
  after(() => certs.remove());

  test("sasl enforced: requests before login get SESSIONCLOSEDREQUIRESASLAUTH and a close", async () => {
    const server = await start({ enforceAuthEnabled: true, enforceAuthSchemes: "sasl" });
    try {
      const anon = await RawClient.connect(server.port, { timeout: 2000 });
      const r = await anon.exists("/");
      assert.deepEqual([r.err, r.zxid], [ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH, 0n]);
      await anon.closedPromise;
      // addauth digest does not satisfy a sasl requirement.
      const digest = await RawClient.connect(server.port, { timeout: 2000 });
      const a = await digest.call(
        OpCode.auth,
        records.AuthPacket,
        { type: 0, scheme: "digest", auth: Buffer.from("u:p") },
        null,
      );
      assert.equal(a.err, 0);
      assert.equal((await digest.exists("/")).err, ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH);
      const ok = await RawClient.connect(server.port, { timeout: 2000 });
      assert.equal(await login(ok, "bob", "bob-secret"), 0);
      assert.equal((await ok.exists("/")).err, 0);
      await ok.close();
      // With sasl required, a failed login answers SESSIONCLOSEDREQUIRESASLAUTH (Apache does too).
      const bad = await RawClient.connect(server.port, { timeout: 2000 });
      assert.equal(await login(bad, "bob", "nope"), ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH);
      await bad.closedPromise;
    } finally {
      await server.close();
    }
  });

  test("x509 enforced: a TLS client with a certificate passes, a plain client is closed", async () => {
    const server = await start({
      enforceAuthEnabled: true,
      enforceAuthSchemes: ["x509"],
      tls: { port: 0, certFile: certs.server.certPath, keyFile: certs.server.keyPath, caFile: certs.caPath },
    });
    try {
      const tls = await RawClient.openTls(server.securePort ?? 0, {
        ca: certs.ca,
        cert: certs.client.cert,
        key: certs.client.key,
        servername: "localhost",
      });
      await tls.handshake({ timeout: 2000 });
      assert.equal((await tls.exists("/")).err, 0);
      await tls.close();
      const plain = await RawClient.connect(server.port, { timeout: 2000 });
      assert.equal((await plain.exists("/")).err, ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH);
      await plain.closedPromise;
    } finally {
      await server.close();
    }
  });

  test("enabled without schemes, or with an unknown scheme, stops the start", async () => {
    await assert.rejects(startServer({ port: 0, enforceAuthEnabled: true }), /enforceAuthSchemes/);
    await assert.rejects(
      startServer({ port: 0, enforceAuthEnabled: true, enforceAuthSchemes: "kerberos" }),
      /"kerberos" is not available/,
    );
  });
});

describe("JAAS configuration errors stop the start", () => {
  test("a missing file, a missing Server section, a syntax error, a non-digest login module", async () => {
    await assert.rejects(startServer({ port: 0, jaasConfigFile: join(dir, "nope.conf") }), JaasConfigError);
    const write = (name: string, text: string): string => {
      const f = join(dir, name);
      writeFileSync(f, text);
      return f;
    };
    const noServer = write("client-only.conf", 'Client { x.Y required a="b"; };');
    await assert.rejects(
      startServer({ port: 0, jaasConfigFile: noServer }),
      /no JAAS configuration section named 'Server'/,
    );
    const syntax = write(
      "syntax.conf",
      "Server {\n org.apache.zookeeper.server.auth.DigestLoginModule required\n user_a=;\n};",
    );
    await assert.rejects(
      startServer({ port: 0, jaasConfigFile: syntax }),
      /syntax\.conf: line 3: expected an option value/,
    );
    const krb = write(
      "krb.conf",
      "Server { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true; };",
    );
    await assert.rejects(
      startServer({ port: 0, jaasConfigFile: krb }),
      /only org\.apache\.zookeeper\.server\.auth\.DigestLoginModule/,
    );
    // saslLoginContext picks another section (Apache's zookeeper.sasl.serverconfig).
    const other = write(
      "other.conf",
      'Other { org.apache.zookeeper.server.auth.DigestLoginModule required user_z="z"; };',
    );
    const s = await startServer({ port: 0, jaasConfigFile: other, saslLoginContext: "Other" });
    const c = await RawClient.connect(s.port, { timeout: 2000 });
    assert.equal(await login(c, "z", "z"), 0);
    await c.close();
    await s.close();
  });
});
