/** JAAS files as Java reads them, and the zoo.cfg keys for TLS, SASL and enforce.auth. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, JaasConfigError, parseConfig, parseJaas } from "../../src/server/index.js";

test("JAAS: sections, entries, quoted and bare values, comments", () => {
  const cfg = parseJaas(`
    /* Apache's sample */
    Server {
      org.apache.zookeeper.server.auth.DigestLoginModule required
      user_super="adminsecret"   // the super user
      user_bob="pa\\"ss;{}"
      debug=true;
      other.Module Optional a="1";
    };
    # Java accepts this comment style too
    Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="bob" password="x"; };
  `);
  assert.deepEqual([...cfg.keys()], ["Server", "Client"]);
  const server = cfg.get("Server") ?? [];
  assert.equal(server.length, 2);
  assert.equal(server[0]?.loginModule, "org.apache.zookeeper.server.auth.DigestLoginModule");
  assert.equal(server[0]?.flag, "required");
  assert.deepEqual(
    [...(server[0]?.options ?? [])],
    [
      ["user_super", "adminsecret"],
      ["user_bob", 'pa"ss;{}'],
      ["debug", "true"],
    ],
  );
  assert.equal(server[1]?.flag, "optional");
});

test("JAAS: mistakes are reported with their line", () => {
  assert.throws(
    () => parseJaas("Server {\n  m.M required a=1\n};"),
    /line 3: expected an option name, got "}"/,
  );
  assert.throws(() => parseJaas("Server {\n m.M mandatory;\n};"), /line 2: control flag must be/);
  assert.throws(() => parseJaas('Server { m.M required a="open'), JaasConfigError);
  assert.throws(() => parseJaas("Server { m.M required; }"), /unexpected end of file \(expected ";"\)/);
});

test("zoo.cfg: secureClientPort and PEM stores become a TLS listener", () => {
  const { options, warnings } = parseConfig(
    [
      "clientPort=2181",
      "secureClientPort=2281",
      "secureClientPortAddress=0.0.0.0",
      "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
      "ssl.keyStore.location=/etc/zk/server.pem",
      "ssl.keyStore.type=PEM",
      "ssl.keyStore.password=kp",
      "ssl.trustStore.location=/etc/zk/ca.pem",
      "ssl.trustStore.type=pem",
      "ssl.trustStore.password=ignored",
      "ssl.clientAuth=WANT",
      "ssl.protocol=TLSv1.3",
    ].join("\n"),
  );
  assert.deepEqual(options.tls, {
    port: 2281,
    host: "0.0.0.0",
    certFile: "/etc/zk/server.pem",
    keyFile: "/etc/zk/server.pem",
    caFile: "/etc/zk/ca.pem",
    passphrase: "kp",
    clientAuth: "want",
  });
  assert.deepEqual(warnings, [
    "line 4: serverCnxnFactory is ignored by the embedded single-node server",
    "line 12: ssl.protocol is ignored by the embedded single-node server",
  ]);
});

test("zoo.cfg: enforce.auth, super users, JAAS path", () => {
  const { options } = parseConfig(
    [
      "enforce.auth.enabled=true",
      "enforce.auth.schemes=sasl,x509",
      "superUser=admin",
      "X509AuthenticationProvider.superUser=CN=root,O=overseer",
      "sasl.serverconfig=ZkServer",
      "java.security.auth.login.config=/etc/zk/jaas.conf",
    ].join("\n"),
  );
  assert.equal(options.enforceAuthEnabled, true);
  assert.equal(options.enforceAuthSchemes, "sasl,x509");
  assert.equal(options.saslSuperUser, "admin");
  assert.equal(options.x509SuperUser, "CN=root,O=overseer");
  assert.equal(options.saslLoginContext, "ZkServer");
  assert.equal(options.jaasConfigFile, "/etc/zk/jaas.conf");
  const old = parseConfig("sessionRequireClientSASLAuth=true").options;
  assert.deepEqual([old.enforceAuthEnabled, old.enforceAuthSchemes], [true, "sasl"]);
});

test("zoo.cfg: bad TLS settings name the key", () => {
  const bad = (text: string, key: string): void => {
    assert.throws(
      () => parseConfig(text),
      (err: unknown) => err instanceof ConfigError && err.key === key,
      text,
    );
  };
  bad("ssl.keyStore.type=JKS", "ssl.keyStore.type");
  bad("ssl.trustStore.type=PKCS12", "ssl.trustStore.type");
  bad("ssl.clientAuth=sometimes", "ssl.clientAuth");
  bad("secureClientPort=70000", "secureClientPort");
  bad("tickTime=100\nsecureClientPort=2281", "secureClientPort");
  assert.match(
    String(parseConfig("ssl.keyStore.location=/k.pem").warnings),
    /ignored without secureClientPort/,
  );
});
