/**
 * TLS, x509 and SASL DIGEST-MD5 against both secure servers — the embedded server's TLS listener and a
 * real Apache ZooKeeper 3.8 (secureClientPort) — each with ssl.clientAuth=want and users bob and eve
 * from a JAAS Server section, and the bad inputs: each must end in a clear error naming its cause,
 * quickly, never a hang.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AuthFailedError,
  NoAuthError,
  OperationTimeoutError,
  Perms,
  TlsError,
  ZooKeeperClient,
  type ClientOptions,
} from "../../src/client/index.js";
import { uniqueRoot } from "../harness/backends.js";
import { type TestCerts } from "../harness/certs.js";
import { forEachSecureServer } from "../harness/secure-servers.js";

const BOB = { username: "bob", password: "bob-secret" };
const EVE = { username: "eve", password: "eve-secret" };

forEachSecureServer(
  "TLS, x509 and SASL",
  { clientAuth: "want", saslUsers: { bob: BOB.password, eve: EVE.password } },
  (server) => {
    const c = (): TestCerts => server().certs;
    const secure = (): string => server().secureConnectString;

    async function withClient<T>(
      opts: Omit<ClientOptions, "connectString"> & { connectString?: string },
      fn: (cl: ZooKeeperClient) => Promise<T>,
    ): Promise<T> {
      const cl = new ZooKeeperClient({
        connectString: secure(),
        sessionTimeout: 2000,
        connectTimeout: 5000,
        ...opts,
      });
      try {
        await cl.connect();
        return await fn(cl);
      } finally {
        await cl.close();
      }
    }

    const tlsWithCert = () => ({ ca: c().ca, cert: c().client.cert, key: c().client.key });

    test("over TLS with a client certificate: requests work and the session carries the x509 id", () =>
      withClient({ tls: tlsWithCert() }, async (cl) => {
        const root = uniqueRoot("tls");
        await cl.create(root, "hello");
        assert.equal((await cl.getData(root)).data?.toString(), "hello");
        const ids = await cl.whoAmI();
        assert.ok(
          ids.some((i) => i.authScheme === "x509" && i.user === c().clientDn),
          JSON.stringify(ids),
        );
        await cl.delete(root);
      }));

    test("an x509 ACL admits the certificate's subject and refuses a TLS client without one", async () => {
      const root = uniqueRoot("x509-acl");
      await withClient({ tls: tlsWithCert() }, (cl) =>
        cl.create(root, "secret", { acl: [{ perms: Perms.ALL, id: { scheme: "x509", id: c().clientDn } }] }),
      );
      await withClient({ tls: { ca: c().ca } }, async (anon) => {
        await assert.rejects(anon.getData(root), NoAuthError);
      });
      await withClient({ tls: tlsWithCert() }, async (cl) => {
        assert.equal((await cl.getData(root)).data?.toString(), "secret");
        await cl.delete(root);
      });
    });

    test("SASL DIGEST-MD5 over TLS: a sasl ACL admits bob and refuses eve with NoAuth", async () => {
      const root = uniqueRoot("sasl-acl");
      await withClient({ tls: { ca: c().ca }, sasl: BOB }, async (bob) => {
        assert.ok((await bob.whoAmI()).some((i) => i.authScheme === "sasl" && i.user === "bob"));
        await bob.create(root, "bob's", { acl: [{ perms: Perms.ALL, id: { scheme: "sasl", id: "bob" } }] });
      });
      await withClient({ tls: { ca: c().ca }, sasl: EVE }, async (eve) => {
        await assert.rejects(eve.getData(root), NoAuthError);
        await assert.rejects(eve.setData(root, "x"), NoAuthError);
      });
      await withClient({ connectString: server().connectString, sasl: BOB }, async (bob) => {
        assert.equal((await bob.getData(root)).data?.toString(), "bob's", "SASL on the plain port too");
        await bob.delete(root);
      });
    });

    test("a wrong SASL password fails connect() with AuthFailedError at once", async () => {
      const started = Date.now();
      const cl = new ZooKeeperClient({
        connectString: secure(),
        tls: { ca: c().ca },
        sasl: { username: "bob", password: "nope" },
        connectTimeout: 10_000,
      });
      await assert.rejects(cl.connect(), (err: Error) => {
        assert.ok(err instanceof AuthFailedError, String(err));
        assert.match(err.message, /SASL DIGEST-MD5 authentication of "bob".*refused the credentials/);
        return true;
      });
      assert.ok(Date.now() - started < 5000, "not a timeout");
      await cl.close();
    });

    test("a TLS client on the plain port fails with a TlsError saying so", async () => {
      const cl = new ZooKeeperClient({
        connectString: server().connectString,
        tls: { ca: c().ca },
        connectTimeout: 10_000,
      });
      await assert.rejects(cl.connect(), (err: Error) => {
        assert.ok(err instanceof TlsError, String(err));
        assert.match(err.message, /closed the connection during the TLS handshake.*plaintext port/);
        return true;
      });
      await cl.close();
    });

    test("a plaintext client on the TLS port fails with a TlsError saying it is a TLS port, at once", async () => {
      // Netty closes without a word, as a member that is not serving yet does; a TLS hello tells them apart.
      const started = Date.now();
      const cl = new ZooKeeperClient({ connectString: secure(), connectTimeout: 10_000 });
      await assert.rejects(cl.connect(), (err: Error) => {
        assert.ok(err instanceof TlsError, String(err));
        assert.match(
          err.message,
          /speaks TLS: it is a TLS port \(secureClientPort\); connect with the tls option/,
        );
        return true;
      });
      assert.ok(Date.now() - started < 5000, "not a connectTimeout");
      await cl.close();
    });

    test("a server certificate from another CA fails with a certificate problem", async () => {
      const cl = new ZooKeeperClient({
        connectString: secure(),
        tls: { ca: c().otherCa },
        connectTimeout: 10_000,
      });
      await assert.rejects(cl.connect(), (err: Error) => {
        assert.ok(err instanceof TlsError, String(err));
        assert.match(err.message, /certificate problem/);
        return true;
      });
      await cl.close();
    });

    test("a client certificate the server does not trust fails naming the certificate", async () => {
      const other = c().otherClient;
      // Java refuses it with a TLS alert; Node's TLS server cannot send one (it checks the certificate
      // after the handshake), so against the embedded server the client only sees a close and keeps
      // trying until connectTimeout, then names the likely cause.
      const silent = server().name === "embedded";
      const cl = new ZooKeeperClient({
        connectString: secure(),
        tls: { ca: c().ca, cert: other.cert, key: other.key },
        connectTimeout: silent ? 2000 : 10_000,
      });
      await assert.rejects(cl.connect(), (err: Error) => {
        if (silent) {
          assert.ok(err instanceof OperationTimeoutError, String(err));
          assert.match(
            err.message,
            /closed the connection during the handshake .*refused our client certificate/,
          );
        } else {
          assert.ok(err instanceof TlsError, String(err));
          assert.match(err.message, /certificate problem: the server refused our client certificate/);
        }
        return true;
      });
      await cl.close();
    });
  },
);
