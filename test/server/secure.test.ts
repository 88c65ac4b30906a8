/**
 * The embedded server's TLS listener and client-certificate (x509) identities, with raw-protocol
 * clients: plain and TLS ports share one data tree, four-letter words work over TLS, and each bad
 * input (plain frames on the TLS port, a TLS hello on the plain port, a missing, foreign or expired
 * certificate) closes only its own connection.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { connect } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { ErrorCode, OpCode, Perms, records } from "../../src/protocol/index.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { makeTestCerts, type CertPair, type TestCerts } from "../harness/certs.js";
import { RawClient } from "./raw-client.js";

let certs: TestCerts;

before(async () => {
  certs = await makeTestCerts();
});
after(() => certs.remove());

function tlsOpts(pair?: CertPair): ConnectionOptions {
  return {
    ca: certs.ca,
    servername: "localhost",
    ...(pair === undefined ? {} : { cert: pair.cert, key: pair.key }),
  };
}

/** A TLS client that completed the ZooKeeper handshake. */
async function tlsSession(port: number, pair?: CertPair): Promise<RawClient> {
  const c = await RawClient.openTls(port, tlsOpts(pair));
  await c.handshake({ timeout: 2000 });
  assert.ok(c.timeOut > 0, "session established over TLS");
  return c;
}

/**
 * The server must refuse this certificate (or its absence) during the TLS handshake. With TLS 1.3 the
 * client may finish its side first and only then see the alert, so either way counts, but no
 * ZooKeeper session may come out of it. Returns the client-side error text.
 */
async function refused(port: number, pair?: CertPair): Promise<string> {
  let c: RawClient;
  try {
    c = await RawClient.openTls(port, tlsOpts(pair));
  } catch (err) {
    return String(err);
  }
  const errors: string[] = [];
  c.socket.on("error", (err) => errors.push(String(err)));
  await assert.rejects(c.handshake({ timeout: 2000 }), /connection closed/);
  return errors.join("; ");
}

async function whoAmI(c: RawClient): Promise<{ authScheme: string; user: string }[]> {
  const r = await c.call(OpCode.whoAmI, null, null, records.WhoAmIResponse);
  assert.equal(r.err, 0);
  return r.body?.clientInfo ?? [];
}

async function healthy(server: RunningServer): Promise<void> {
  const c = await RawClient.connect(server.port, { timeout: 2000 });
  assert.equal((await c.exists("/")).err, 0);
  await c.close();
}

describe("TLS listener, clientAuth need", () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({
      port: 0,
      tickTime: 100,
      fourLetterWords: "*",
      tls: {
        port: 0,
        certFile: certs.server.certPath,
        keyFile: certs.server.keyPath,
        caFile: certs.caPath,
      },
    });
  });
  after(() => server.close());

  test("plain and TLS ports serve one data tree", async () => {
    assert.ok(server.securePort !== null && server.securePort !== server.port);
    assert.equal(server.secureConnectString, `127.0.0.1:${server.securePort}`);
    const plain = await RawClient.connect(server.port, { timeout: 2000 });
    const secure = await tlsSession(server.securePort, certs.client);
    assert.equal((await plain.create("/shared", "from plain")).err, 0);
    const got = await secure.getData("/shared");
    assert.equal(got.body?.data?.toString(), "from plain");
    assert.equal((await secure.create("/shared/tls", "x")).err, 0);
    assert.equal((await plain.exists("/shared/tls")).err, 0);
    await plain.close();
    await secure.close();
  });

  test("four-letter words work over TLS", async () => {
    const s = tlsConnect({ port: server.securePort ?? 0, host: "127.0.0.1", ...tlsOpts(certs.client) });
    await once(s, "secureConnect");
    const chunks: Buffer[] = [];
    s.on("data", (d: Buffer) => chunks.push(d));
    s.write("conf");
    await once(s, "close");
    const text = Buffer.concat(chunks).toString();
    assert.match(text, new RegExp(`^secureClientPort=${server.securePort}$`, "m"));
    assert.match(text, new RegExp(`^clientPort=${server.port}$`, "m"));
  });

  test("a verified client certificate gives x509:<subject DN>; x509 ACLs admit it and no one else", async () => {
    const secure = await tlsSession(server.securePort ?? 0, certs.client);
    const ids = await whoAmI(secure);
    // In Apache's order (its ConcurrentHashMap's), which puts this x509 id first.
    assert.deepEqual(
      ids.map((i) => `${i.authScheme}:${i.user}`),
      [`x509:${certs.clientDn}`, "ip:127.0.0.1"],
    );
    const acl = [{ perms: Perms.ALL, id: { scheme: "x509", id: certs.clientDn } }];
    assert.equal((await secure.create("/x509-only", "secret", 0, acl)).err, 0);
    assert.equal((await secure.getData("/x509-only")).body?.data?.toString(), "secret");
    // `auth` expands to the certificate identity, as Apache's X509AuthenticationProvider is "authenticated".
    const auth = [{ perms: Perms.ALL, id: { scheme: "auth", id: "" } }];
    assert.equal((await secure.create("/x509-auth", "", 0, auth)).err, 0);
    const got = await secure.call(
      OpCode.getACL,
      records.PathRequest,
      { path: "/x509-auth" },
      records.GetACLResponse,
    );
    assert.deepEqual(got.body?.acl, acl);
    const plain = await RawClient.connect(server.port, { timeout: 2000 });
    assert.equal((await plain.getData("/x509-only")).err, ErrorCode.NOAUTH);
    const bad = [{ perms: Perms.ALL, id: { scheme: "x509", id: "not a DN" } }];
    assert.equal((await plain.create("/bad-x509", "", 0, bad)).err, ErrorCode.INVALIDACL);
    await plain.close();
    await secure.close();
  });

  test("plain ZooKeeper frames on the TLS port: connection closed, server unaffected", async () => {
    const c = await RawClient.open(server.securePort ?? 0);
    await assert.rejects(c.handshake({ timeout: 2000 }), /connection closed/);
    const text = connect(server.securePort ?? 0, "127.0.0.1");
    text.on("error", () => undefined);
    text.write("ruok\r\nGET / HTTP/1.1\r\n\r\n");
    await once(text, "close");
    await healthy(server);
    (await tlsSession(server.securePort ?? 0, certs.client)).socket.destroy();
  });

  test("a TLS ClientHello on the plain port: connection closed, server unaffected", async () => {
    const s = tlsConnect({ port: server.port, host: "127.0.0.1", ...tlsOpts(certs.client) });
    const [err] = (await once(s, "error")) as [Error];
    assert.match(String(err), /socket disconnected|ECONNRESET|wrong version|packet length/i);
    await healthy(server);
  });

  test("no certificate, another CA's certificate, an expired certificate: handshake refused", async () => {
    const port = server.securePort ?? 0;
    // Earlier tests' connections may still be closing, so the count may drop but must never grow.
    const before = server.stats().connections;
    const none = await refused(port);
    const foreign = await refused(port, certs.otherClient);
    const expired = await refused(port, certs.expiredServer);
    assert.ok(server.stats().connections <= before, "no connection survived a refused handshake");
    // A missing certificate fails inside OpenSSL, which sends the TLS 1.3 "certificate required" alert.
    // An untrusted or expired one is verified by Node after the handshake and the socket is just
    // closed (Node cannot send an alert then), so the client sees only the close (or a reset).
    assert.match(none, /certificate required/);
    for (const e of [foreign, expired]) assert.match(e, /^$|ECONNRESET|EPIPE/);
    await healthy(server);
  });
});

describe("TLS listener, clientAuth want", () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({
      port: 0,
      tickTime: 100,
      tls: {
        port: 0,
        certFile: certs.server.keyStorePath, // Apache-style PEM key store: key and certificate in one file
        keyFile: certs.server.keyStorePath,
        caFile: certs.caPath,
        clientAuth: "want",
      },
    });
  });
  after(() => server.close());

  test("without a certificate the session works and has no x509 identity", async () => {
    const c = await tlsSession(server.securePort ?? 0);
    assert.deepEqual(
      (await whoAmI(c)).map((i) => i.authScheme),
      ["ip"],
    );
    await c.close();
  });

  test("with a trusted certificate it has x509:<DN>; a certificate from another CA is refused", async () => {
    const c = await tlsSession(server.securePort ?? 0, certs.client);
    assert.ok((await whoAmI(c)).some((i) => i.authScheme === "x509" && i.user === certs.clientDn));
    await c.close();
    await refused(server.securePort ?? 0, certs.otherClient);
    await healthy(server);
  });
});

describe("a TLS handshake that never finishes", () => {
  test("is closed after maxSessionTimeout, like a connection that never says hello", async () => {
    const server = await startServer({
      port: 0,
      tickTime: 50,
      maxSessionTimeout: 300,
      tls: { port: 0, certFile: certs.server.certPath, keyFile: certs.server.keyPath },
    });
    try {
      const s = connect(server.securePort ?? 0, "127.0.0.1");
      s.on("error", () => undefined);
      await once(s, "connect");
      s.write(Buffer.from([0x16, 0x03, 0x01])); // the start of a ClientHello, then silence
      const t0 = Date.now();
      await once(s, "close");
      assert.ok(Date.now() - t0 >= 200, "closed by the handshake timeout, not at once");
      await healthy(server);
    } finally {
      await server.close();
    }
  });
});

describe("an encrypted private key (ssl.keyStore.password)", () => {
  test("opens with its passphrase; a wrong one stops the start", async () => {
    const enc = join(certs.dir, "server-encrypted.key");
    execFileSync("openssl", [
      "pkcs8",
      "-topk8",
      "-in",
      certs.server.keyPath,
      "-out",
      enc,
      "-passout",
      "pass:s3cret",
    ]);
    const tls = { port: 0, certFile: certs.server.certPath, keyFile: enc };
    await assert.rejects(
      startServer({ port: 0, tls: { ...tls, passphrase: "wrong" } }),
      /invalid tls: cannot use the certificate and key/,
    );
    const server = await startServer({ port: 0, tls: { ...tls, passphrase: "s3cret" } });
    try {
      const c = await tlsSession(server.securePort ?? 0);
      await c.close();
    } finally {
      await server.close();
    }
  });
});

describe("TLS configuration errors stop the start", () => {
  test("clientAuth need without a CA, and unreadable PEM files", async () => {
    const base = { certFile: certs.server.certPath, keyFile: certs.server.keyPath };
    await assert.rejects(
      startServer({ port: 0, tls: { port: 0, ...base, clientAuth: "need" } }),
      /tls\.clientAuth.*needs tls\.caFile/,
    );
    await assert.rejects(
      startServer({ port: 0, tls: { port: 0, ...base, keyFile: `${certs.dir}/missing.key` } }),
      /tls\.keyFile.*cannot read/,
    );
    await assert.rejects(
      startServer({ port: 0, tls: { port: 0, ...base, keyFile: certs.caPath } }),
      /invalid tls: cannot use the certificate and key/,
    );
  });
});
