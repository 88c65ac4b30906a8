/**
 * TLS + SASL + x509 across failover on a real 3-node Apache ZooKeeper ensemble: the client connects to
 * the members' secure ports, the member it talks to is killed, and on the next member the session
 * goes on, re-authenticated (SASL again on the new connection, the certificate again in its TLS
 * handshake), so nodes under sasl: and x509: ACLs stay readable.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CreateMode, Perms, ZooKeeperClient, type StateEvent } from "../../src/client/index.js";
import { skipUnlessApacheZooKeeper, startApacheEnsemble, type ApacheEnsemble } from "../harness/apache-zk.js";
import { uniqueRoot } from "../harness/backends.js";
import { makeTestCerts, type TestCerts } from "../harness/certs.js";

const SESSION_TIMEOUT = 8000;

function nextState(c: ZooKeeperClient, type: StateEvent["type"]): Promise<StateEvent> {
  return new Promise((resolve) => {
    const on = (e: StateEvent): void => {
      if (e.type !== type) return;
      c.off("state", on);
      resolve(e);
    };
    c.on("state", on);
  });
}

describe("TLS + SASL failover [apache 3-node]", { skip: skipUnlessApacheZooKeeper() }, () => {
  let certs: TestCerts | undefined;
  let ens: ApacheEnsemble | undefined;
  before(async () => {
    certs = await makeTestCerts();
    ens = await startApacheEnsemble(3, {
      secure: { tls: { certs, clientAuth: "want" }, saslUsers: { bob: "bob-secret" } },
      extraConfig: { maxSessionTimeout: String(SESSION_TIMEOUT) },
    });
  });
  after(async () => {
    await ens?.stop();
    certs?.remove();
  });

  test("killing the connected member: same session on another member, SASL and x509 ACLs still admit us", async () => {
    assert.ok(ens !== undefined && certs !== undefined && ens.secureConnectString !== undefined);
    const c = new ZooKeeperClient({
      connectString: ens.secureConnectString,
      sessionTimeout: SESSION_TIMEOUT,
      reconnectDelay: 50,
      tls: { ca: certs.ca, cert: certs.client.cert, key: certs.client.key },
      sasl: { username: "bob", password: "bob-secret" },
    });
    try {
      const connected = nextState(c, "connected");
      await c.connect();
      const first = await connected;
      assert.ok(first.type === "connected");
      const sessionId = c.sessionId;
      const root = uniqueRoot("secure-failover");
      const sasl = `${root}-sasl`;
      const x509 = `${root}-x509`;
      await c.create(sasl, "s", { acl: [{ perms: Perms.ALL, id: { scheme: "sasl", id: "bob" } }] });
      await c.create(x509, "x", { acl: [{ perms: Perms.ALL, id: { scheme: "x509", id: certs.clientDn } }] });
      const eph = await c.create(`${root}-eph`, null, { mode: CreateMode.EPHEMERAL });

      const victim = ens.members.find((m) => m.secureConnectString === first.server);
      assert.ok(victim !== undefined, `no member serves ${first.server}`);
      const reconnected = nextState(c, "reconnected");
      await victim.kill();
      const back = await reconnected;
      assert.ok(back.type === "reconnected");
      assert.equal(back.sessionId, sessionId);
      assert.notEqual(back.server, first.server);

      assert.equal((await c.getData(sasl)).data?.toString(), "s");
      assert.equal((await c.getData(x509)).data?.toString(), "x");
      const ids = await c.whoAmI();
      assert.ok(
        ids.some((i) => i.authScheme === "sasl" && i.user === "bob"),
        JSON.stringify(ids),
      );
      assert.equal((await c.exists(eph))?.ephemeralOwner, sessionId);
      await c.delete(sasl);
      await c.delete(x509);
      await c.delete(eph);
    } finally {
      await c.close();
    }
  });
});
