/**
 * Apache's own clients against the embedded server's TLS port and SASL DIGEST-MD5: zkCli (Java, the
 * Netty socket with PEM trust and key stores; a JAAS Client section) and kazoo (Python, use_ssl and
 * sasl_options through pure-sasl).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { skipUnlessApacheZooKeeper } from "../harness/apache-zk.js";
import { makeTestCerts, type CertPair, type TestCerts } from "../harness/certs.js";
import { runKazoo, skipUnlessKazoo } from "../harness/kazoo.js";
import { openZkCli, type ZkCli } from "../harness/zkcli.js";

let certs: TestCerts;
let server: RunningServer;
let jaasServer: string;

function clientJaas(name: string, user: string, password: string): string {
  const f = join(certs.dir, name);
  writeFileSync(
    f,
    `Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="${user}"\n  password="${password}";\n};\n`,
  );
  return f;
}

before(async () => {
  certs = await makeTestCerts();
  jaasServer = join(certs.dir, "server-jaas.conf");
  writeFileSync(
    jaasServer,
    'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_bob="bob-secret";\n};\n',
  );
  server = await startServer({
    port: 0,
    tickTime: 200,
    jaasConfigFile: jaasServer,
    tls: {
      port: 0,
      certFile: certs.server.keyStorePath,
      keyFile: certs.server.keyStorePath,
      caFile: certs.caPath,
      clientAuth: "want",
    },
  });
});
after(async () => {
  await server.close();
  certs.remove();
});

function tlsFlags(keyStore?: CertPair): string[] {
  return [
    "-Dzookeeper.client.secure=true",
    "-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
    `-Dzookeeper.ssl.trustStore.location=${certs.caPath}`,
    "-Dzookeeper.ssl.trustStore.type=PEM",
    ...(keyStore === undefined
      ? []
      : [`-Dzookeeper.ssl.keyStore.location=${keyStore.keyStorePath}`, "-Dzookeeper.ssl.keyStore.type=PEM"]),
  ];
}

describe("zkCli against the embedded server", { skip: skipUnlessApacheZooKeeper() }, () => {
  const open: ZkCli[] = [];
  after(async () => {
    await Promise.all(open.map((c) => c.close()));
  });
  const cli = async (connect: string | null, jvmFlags: string[], wait = true): Promise<ZkCli> => {
    assert.ok(connect !== null);
    const c = await openZkCli(connect, { jvmFlags, sessionTimeoutMs: 10_000, waitForConnected: wait });
    open.push(c);
    return c;
  };

  test("over TLS with a client certificate: x509 identity, auth ACL, plain clients kept out", async () => {
    const c = await cli(server.secureConnectString, tlsFlags(certs.client));
    assert.match(await c.run("whoami"), new RegExp(`^x509: ${certs.clientDn}$`, "m"));
    assert.equal(await c.run("create /zkcli-tls hello auth::cdrwa"), "Created /zkcli-tls");
    assert.equal(await c.run("get /zkcli-tls"), "hello");
    // zkCli prints ids URL-encoded: the DN's comma comes out as %2C.
    const shown = certs.clientDn.replace(/,/g, "%2C");
    assert.match(await c.run("getAcl /zkcli-tls"), new RegExp(`^'x509,'${shown}\n: cdrwa$`, "m"));
    const plain = await cli(server.connectString, []);
    assert.equal(await plain.run("get /zkcli-tls"), "Insufficient permission : /zkcli-tls");
  });

  test("over TLS without a client certificate (clientAuth want)", async () => {
    const c = await cli(server.secureConnectString, tlsFlags());
    assert.equal(await c.run("create /zkcli-tls-anon x"), "Created /zkcli-tls-anon");
    assert.doesNotMatch(await c.run("whoami"), /x509/);
  });

  test("SASL DIGEST-MD5 from a JAAS Client section: sasl identity and ACLs", async () => {
    const jaas = clientJaas("zkcli-bob.conf", "bob", "bob-secret");
    const c = await cli(server.connectString, [`-Djava.security.auth.login.config=${jaas}`]);
    await c.waitFor(/state:SaslAuthenticated/);
    assert.match(await c.run("whoami"), /^sasl: bob$/m);
    assert.equal(await c.run("create /zkcli-sasl s sasl:bob:cdrwa"), "Created /zkcli-sasl");
    assert.equal(await c.run("get /zkcli-sasl"), "s");
    const anon = await cli(server.connectString, []);
    assert.equal(await anon.run("get /zkcli-sasl"), "Insufficient permission : /zkcli-sasl");
  });

  test("SASL with a wrong password: zkCli is told AuthFailed", async () => {
    const jaas = clientJaas("zkcli-wrong.conf", "bob", "wrong");
    const c = await cli(server.connectString, [`-Djava.security.auth.login.config=${jaas}`], false);
    await c.waitFor(/state:AuthFailed/, 20_000);
  });
});

const KAZOO = `
import json, sys
from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.security import make_acl
a = json.loads(sys.argv[1])
kw = {}
if a.get("tls"):
    kw.update(use_ssl=True, ca=a["tls"]["ca"], certfile=a["tls"].get("cert"), keyfile=a["tls"].get("key"), verify_certs=True)
if a.get("sasl"):
    kw.update(sasl_options={"mechanism": "DIGEST-MD5", "username": a["sasl"][0], "password": a["sasl"][1]})
zk = KazooClient(hosts=a["hosts"], timeout=10, **kw)
zk.start(timeout=15)
acl = [make_acl(a["acl"][0], a["acl"][1], all=True)]
zk.create(a["path"], b"from kazoo", acl=acl)
data, _ = zk.get(a["path"])
print("read:" + data.decode())
print("acl:" + ",".join(x.id.scheme + ":" + x.id.id for x in zk.get_acls(a["path"])[0]))
zk.stop(); zk.close()
anon = KazooClient(hosts=a["plain"], timeout=10)
anon.start(timeout=15)
try:
    anon.get(a["path"])
    print("anon:read")
except NoAuthError:
    print("anon:NoAuth")
anon.stop(); anon.close()
`;

describe("kazoo against the embedded server", { skip: skipUnlessKazoo() }, () => {
  test("use_ssl with a client certificate (verify_certs): x509 ACL", async () => {
    const out = await runKazoo(KAZOO, {
      hosts: server.secureConnectString,
      plain: server.connectString,
      tls: { ca: certs.caPath, cert: certs.client.certPath, key: certs.client.keyPath },
      path: "/kazoo-tls",
      acl: ["x509", certs.clientDn],
    });
    assert.equal(out, `read:from kazoo\nacl:x509:${certs.clientDn}\nanon:NoAuth\n`);
  });

  test("sasl_options DIGEST-MD5: sasl ACL", async () => {
    const out = await runKazoo(KAZOO, {
      hosts: server.connectString,
      plain: server.connectString,
      sasl: ["bob", "bob-secret"],
      path: "/kazoo-sasl",
      acl: ["sasl", "bob"],
    });
    assert.equal(out, "read:from kazoo\nacl:sasl:bob\nanon:NoAuth\n");
  });

  test("use_ssl and sasl_options together", async () => {
    const out = await runKazoo(KAZOO, {
      hosts: server.secureConnectString,
      plain: server.connectString,
      tls: { ca: certs.caPath },
      sasl: ["bob", "bob-secret"],
      path: "/kazoo-both",
      acl: ["sasl", "bob"],
    });
    assert.equal(out, "read:from kazoo\nacl:sasl:bob\nanon:NoAuth\n");
  });
});
