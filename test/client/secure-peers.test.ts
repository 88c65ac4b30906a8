/**
 * Bad peers that a real server cannot easily play, each a few lines of Node on 127.0.0.1: a TLS server
 * with an expired certificate, and a ZooKeeper-speaking server whose SASL exchange stops halfway
 * (no challenge; or a challenge and then silence). Each must end in a clear error, not a hang.
 */
import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { after, before, describe, test } from "node:test";
import { JuteWriter, records } from "../../src/protocol/index.js";
import { buildChallenge } from "../../src/protocol/sasl-digest.js";
import {
  ClientClosedError,
  OperationTimeoutError,
  TlsError,
  ZooKeeperClient,
} from "../../src/client/index.js";
import { makeTestCerts, type TestCerts } from "../harness/certs.js";

/** A frame: 4-byte length, then `write`'s bytes. */
function frame(write: (w: JuteWriter) => void): Buffer {
  const w = new JuteWriter(64);
  w.writeInt(0);
  write(w);
  w.patchInt(0, w.length - 4);
  return w.toBuffer();
}

/**
 * Answers the handshake (2 s session), then each sasl request with `answer(n)` (the n-th, from 0):
 * a token to send, or null to stay silent. Counts the sasl requests it saw.
 */
function fakeSaslServer(answer: (n: number) => Buffer | null): {
  server: net.Server;
  seen: () => number;
  /** Resolves at the first sasl request. */
  firstSasl: Promise<void>;
  /** Resolves when the first connection is closed by the client. */
  firstClosed: Promise<void>;
} {
  let seen = 0;
  let onSasl = (): void => undefined;
  let onClosed = (): void => undefined;
  const firstSasl = new Promise<void>((r) => (onSasl = r));
  const firstClosed = new Promise<void>((r) => (onClosed = r));
  const server = net.createServer((sock) => {
    sock.on("close", () => onClosed());
    let buf = Buffer.alloc(0);
    let handshaken = false;
    sock.on("error", () => undefined);
    sock.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (buf.length < 4) return;
        const len = buf.readInt32BE(0);
        if (buf.length < 4 + len) return;
        const body = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        if (!handshaken) {
          handshaken = true;
          sock.write(
            frame((w) =>
              records.ConnectResponse.write(w, {
                protocolVersion: 0,
                timeOut: 2000,
                sessionId: 0x1234n,
                passwd: Buffer.alloc(16),
              }),
            ),
          );
          continue;
        }
        const xid = body.readInt32BE(0);
        onSasl();
        const token = answer(seen++);
        if (token === null) continue;
        sock.write(
          frame((w) => (w.writeInt(xid).writeLong(0n).writeInt(0), records.SaslToken.write(w, { token }))),
        );
      }
    });
  });
  return { server, seen: () => seen, firstSasl, firstClosed };
}

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === "object");
  return `127.0.0.1:${addr.port}`;
}

describe("bad secure peers", () => {
  let certs: TestCerts | undefined;
  const servers: net.Server[] = [];
  before(async () => {
    certs = await makeTestCerts();
  });
  after(() => {
    for (const s of servers) s.close();
    certs?.remove();
  });

  test("a server certificate that has expired fails with a TlsError naming the certificate problem", async () => {
    assert.ok(certs !== undefined);
    const server = tls.createServer({ cert: certs.expiredServer.cert, key: certs.expiredServer.key });
    server.on("tlsClientError", () => undefined);
    servers.push(server);
    const cl = new ZooKeeperClient({
      connectString: await listen(server),
      tls: { ca: certs.ca },
      connectTimeout: 5000,
    });
    await assert.rejects(cl.connect(), (err: Error) => {
      assert.ok(err instanceof TlsError, String(err));
      assert.match(err.message, /certificate problem with the server's certificate: certificate has expired/);
      return true;
    });
    await cl.close();
  });

  test("servername: the certificate must name it (localhost passes, another name is a certificate problem)", async () => {
    assert.ok(certs !== undefined);
    const server = tls.createServer({ cert: certs.server.cert, key: certs.server.key });
    server.on("tlsClientError", () => undefined);
    // The ZooKeeper handshake never completes here: reaching it proves the certificate was accepted.
    const reached = new Promise<void>((resolve) =>
      server.on("secureConnection", (s: tls.TLSSocket) => (s.destroy(), resolve())),
    );
    servers.push(server);
    const connectString = await listen(server);
    const good = new ZooKeeperClient({
      connectString,
      tls: { ca: certs.ca, servername: "localhost" },
      connectTimeout: 5000,
    });
    const attempt = good.connect().catch(() => undefined);
    await reached;
    await good.close();
    await attempt;
    const bad = new ZooKeeperClient({
      connectString,
      tls: { ca: certs.ca, servername: "zk.example.org" },
      connectTimeout: 5000,
    });
    await assert.rejects(bad.connect(), (err: Error) => {
      assert.ok(err instanceof TlsError, String(err));
      assert.match(
        err.message,
        /certificate problem with the server's certificate: .*zk\.example\.org.*ERR_TLS_CERT_ALTNAME_INVALID/,
      );
      return true;
    });
    await bad.close();
  });

  for (const [name, answer, stage] of [
    ["no challenge", () => null, "no challenge"],
    ["a challenge, then silence", (n: number) => (n === 0 ? buildChallenge().token : null), "no final reply"],
  ] as const) {
    test(`a SASL exchange that stops halfway (${name}) fails with a timeout naming SASL`, async () => {
      const fake = fakeSaslServer(answer);
      servers.push(fake.server);
      const cl = new ZooKeeperClient({
        connectString: await listen(fake.server),
        sasl: { username: "bob", password: "pw" },
        connectTimeout: 2000,
      });
      const started = Date.now();
      await assert.rejects(cl.connect(), (err: Error) => {
        assert.ok(err instanceof OperationTimeoutError, String(err));
        assert.match(
          err.message,
          new RegExp(`SASL DIGEST-MD5 authentication of "bob" .* stopped halfway: ${stage}`),
        );
        return true;
      });
      assert.ok(Date.now() - started < 4000);
      assert.ok(fake.seen() >= (stage === "no challenge" ? 1 : 2), "the client sent its SASL tokens");
      await cl.close();
    });
  }

  test("close() during a stalled SASL exchange ends it at once: connect() rejects, the socket is closed", async () => {
    const fake = fakeSaslServer(() => null);
    servers.push(fake.server);
    const cl = new ZooKeeperClient({
      connectString: await listen(fake.server),
      sasl: { username: "bob", password: "pw" },
      sessionTimeout: 30_000,
    });
    const connecting = cl.connect();
    await fake.firstSasl;
    const started = Date.now();
    await cl.close();
    await assert.rejects(connecting, ClientClosedError);
    await fake.firstClosed;
    assert.ok(Date.now() - started < 2000, "not after the 20 s SASL timeout");
  });
});
