/** The embedded server over the wire, via the raw client: handshake, sessions, watches, ACLs, misc ops. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ErrorCode,
  EventType,
  OpCode,
  readMultiResponse,
  JuteReader,
  records,
  writeMultiRequest,
  type MultiOp,
} from "../../src/protocol/index.js";
import { startServer, InvalidArgumentError, type RunningServer } from "../../src/server/index.js";
import { RawClient, OPEN } from "./raw-client.js";

let srv: RawClient[] = [];
let server: RunningServer;

async function client(timeout = 30000): Promise<RawClient> {
  const c = await RawClient.connect(server.port, { timeout });
  srv.push(c);
  return c;
}

before(async () => {
  server = await startServer({ port: 0, tickTime: 50, containerCheckIntervalMs: 20 });
});
after(async () => {
  await Promise.all(srv.map((c) => c.close()));
  srv = [];
  await server.close();
});

describe("handshake", () => {
  test("mirrors the readOnly byte and negotiates the timeout into [2, 20] ticks", async () => {
    const a = await RawClient.connect(server.port, { timeout: 1, readOnlyByte: true });
    const b = await RawClient.connect(server.port, { timeout: 999999, readOnlyByte: false });
    srv.push(a, b);
    assert.equal(a.handshakeBytes, 37);
    assert.equal(b.handshakeBytes, 36);
    assert.equal(a.timeOut, 100);
    assert.equal(b.timeOut, 1000);
    assert.equal(a.passwd.length, 16);
    assert.equal(a.sessionId >> 56n, 1n);
  });

  test("resume with the password moves the session and closes the old connection", async () => {
    const a = await client();
    assert.equal((await a.create("/resume-e", "x", 1)).err, 0);
    const b = await RawClient.connect(server.port, { sessionId: a.sessionId, passwd: a.passwd });
    srv.push(b);
    assert.equal(b.sessionId, a.sessionId);
    await a.closedPromise;
    assert.equal((await b.exists("/resume-e")).body?.stat.ephemeralOwner, a.sessionId);
  });

  test("a wrong password or unknown session gets timeOut 0, then the connection closes", async () => {
    const a = await client();
    const bad = await RawClient.connect(server.port, { sessionId: a.sessionId, passwd: Buffer.alloc(16, 7) });
    assert.equal(bad.timeOut, 0);
    assert.equal(bad.sessionId, 0n);
    assert.deepEqual(bad.passwd, Buffer.alloc(16));
    await bad.closedPromise;
    const unknown = await RawClient.connect(server.port, { sessionId: 12345n });
    assert.equal(unknown.timeOut, 0);
    await unknown.closedPromise;
  });

  test("a client that has seen a newer zxid is refused without a reply", async () => {
    const c = await RawClient.open(server.port);
    await assert.rejects(c.handshake({ lastZxidSeen: 1n << 40n }), /closed/);
  });
});

describe("sessions", () => {
  test("expiry deletes ephemerals, fires watches and closes the connection", async () => {
    const owner = await client(100);
    const watcher = await client();
    assert.equal((await owner.create("/exp", "x", 1)).err, 0);
    assert.equal((await watcher.exists("/exp", true)).err, 0);
    // No pings: the session (100 ms) expires within timeout + tickTime.
    await owner.closedPromise;
    const [ev] = await watcher.waitEvents(1);
    assert.deepEqual(ev, { type: EventType.NodeDeleted, state: 3, path: "/exp" });
    const again = await RawClient.connect(server.port, { sessionId: owner.sessionId, passwd: owner.passwd });
    assert.equal(again.timeOut, 0);
  });

  test("expireSession hook and closeSession both remove ephemerals", async () => {
    const a = await client();
    const b = await client();
    await a.create("/hook-e", "", 1);
    await b.create("/close-e", "", 1);
    assert.equal(server.expireSession(a.sessionId), true);
    await a.closedPromise;
    assert.equal((await b.closeSession()).err, 0);
    const c = await client();
    assert.equal((await c.exists("/hook-e")).err, ErrorCode.NONODE);
    assert.equal((await c.exists("/close-e")).err, ErrorCode.NONODE);
  });

  test("pings keep a session alive past its timeout", async () => {
    // 400 ms session, a ping every 80 ms for 640 ms: only a stall of over 300 ms between two pings
    // (not a few late timers on a loaded machine) could let it expire.
    const c = await client(400);
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 80));
      const p = await c.call<null, null>(OpCode.ping, null, null, null);
      assert.equal(p.err, 0);
    }
    assert.equal(c.closed, false);
  });
});

describe("watches", () => {
  test("the writer's own notification precedes its reply; one event per connection", async () => {
    const c = await client();
    await c.create("/w1", "a");
    await c.getData("/w1", true);
    await c.exists("/w1", true);
    const r = await c.setData("/w1", "b");
    assert.equal(r.err, 0);
    const idx = c.log.findIndex((e) => e.event?.path === "/w1");
    assert.ok(idx >= 0 && idx === c.log.length - 2, "event before the setData reply");
    assert.equal(c.events.filter((e) => e.path === "/w1").length, 1);
  });

  test("delete fires NodeDeleted once to data+child watchers and NodeChildrenChanged on the parent", async () => {
    const c = await client();
    await c.create("/w2");
    await c.create("/w2/k");
    await c.getData("/w2/k", true);
    await c.getChildren("/w2/k", true);
    await c.getChildren("/w2", true);
    await c.delete("/w2/k");
    assert.deepEqual(
      c.events.map((e) => [e.type, e.path]),
      [
        [EventType.NodeDeleted, "/w2/k"],
        [EventType.NodeChildrenChanged, "/w2"],
      ],
    );
  });

  test("persistent recursive watches see descendants but never NodeChildrenChanged; removeWatches", async () => {
    const w = await client();
    const c = await client();
    await c.create("/pr");
    const add = await w.call(
      OpCode.addWatch,
      records.AddWatchRequest,
      { path: "/pr", mode: 1 },
      records.ErrorResponse,
    );
    assert.deepEqual(add.body, { err: 0 });
    await c.create("/pr/a");
    await c.setData("/pr/a", "x");
    await w.waitEvents(2);
    assert.deepEqual(
      w.events.map((e) => [e.type, e.path]),
      [
        [EventType.NodeCreated, "/pr/a"],
        [EventType.NodeDataChanged, "/pr/a"],
      ],
    );
    const rm = await w.call(OpCode.removeWatches, records.WatchesRequest, { path: "/pr", type: 3 }, null);
    assert.equal(rm.err, 0);
    const again = await w.call(OpCode.removeWatches, records.WatchesRequest, { path: "/pr", type: 3 }, null);
    assert.equal(again.err, ErrorCode.NOWATCHER);
  });

  test("a standard watch does not displace a persistent one on the same path", async () => {
    const w = await client();
    const c = await client();
    await c.create("/pp", "0");
    await w.call(OpCode.addWatch, records.AddWatchRequest, { path: "/pp", mode: 0 }, records.ErrorResponse);
    await w.getData("/pp", true);
    await c.setData("/pp", "1");
    await c.setData("/pp", "2");
    const evs = await w.waitEvents(2);
    assert.deepEqual(
      evs.map((e) => e.type),
      [EventType.NodeDataChanged, EventType.NodeDataChanged],
    );
  });

  test("SetWatches fires the missed events before its reply and registers the rest", async () => {
    const c = await client();
    await c.create("/sw-data", "x");
    await c.create("/sw-kids");
    const stale = await c.setData("/sw-data", "y");
    const w = await client();
    const r = await w.call(
      OpCode.setWatches,
      records.SetWatches,
      {
        relativeZxid: stale.zxid - 1n,
        dataWatches: ["/sw-data", "/sw-gone"],
        existWatches: ["/sw-kids", "/sw-later"],
        childWatches: ["/sw-kids"],
      },
      null,
    );
    assert.equal(r.err, 0);
    assert.deepEqual(
      w.events.map((e) => [e.type, e.path]),
      [
        [EventType.NodeDataChanged, "/sw-data"],
        [EventType.NodeDeleted, "/sw-gone"],
        [EventType.NodeCreated, "/sw-kids"],
      ],
    );
    await c.create("/sw-later");
    await c.create("/sw-kids/k");
    await w.waitEvents(5);
    assert.deepEqual(
      w.events
        .slice(3)
        .map((e) => e.type)
        .sort(),
      [EventType.NodeCreated, EventType.NodeChildrenChanged],
    );
  });

  test("a watcher without READ on the node hears nothing (CVE-2024-23944)", async () => {
    const owner = await client();
    const other = await client();
    await owner.call(
      OpCode.auth,
      records.AuthPacket,
      { type: 0, scheme: "digest", auth: Buffer.from("u:p") },
      null,
    );
    await owner.create("/secret", "x", 0, [{ perms: 31, id: { scheme: "auth", id: "" } }]);
    assert.equal((await other.exists("/secret", true)).err, ErrorCode.NOAUTH);
    await other.exists("/secret-x", true); // registered on a missing node
    await owner.create("/secret-x", "", 0, [{ perms: 31, id: { scheme: "auth", id: "" } }]);
    const probe = await other.exists("/");
    assert.equal(probe.err, 0);
    assert.equal(other.events.length, 0);
  });
});

describe("operations", () => {
  test("multi failure encoding on the wire: header err 0, results all type −1", async () => {
    const c = await client();
    const ops: MultiOp[] = [
      { type: OpCode.create, req: { path: "/mw", data: null, acl: OPEN, flags: 0 } },
      { type: OpCode.check, req: { path: "/nope", version: -1 } },
      { type: OpCode.create, req: { path: "/mw2", data: null, acl: OPEN, flags: 0 } },
    ];
    const codec = {
      write: (w: Parameters<typeof writeMultiRequest>[0], v: MultiOp[]) => writeMultiRequest(w, v),
      read: () => [],
    };
    c.send(c.frame(OpCode.multi, codec, ops));
    const f = await c.nextFrame();
    const r = new JuteReader(f);
    const h = records.ReplyHeader.read(r);
    assert.equal(h.err, 0);
    assert.deepEqual(readMultiResponse(r), [
      { type: -1, err: 0 },
      { type: -1, err: ErrorCode.NONODE },
      { type: -1, err: ErrorCode.RUNTIMEINCONSISTENCY },
    ]);
    assert.equal((await c.exists("/mw")).err, ErrorCode.NONODE);
  });

  test("multi success results: create2 answers type 1 (as Apache does), container 15 with its Stat", async () => {
    const c = await client();
    const ops: MultiOp[] = [
      { type: OpCode.create2, req: { path: "/ms", data: null, acl: OPEN, flags: 0 } },
      { type: OpCode.setData, req: { path: "/ms", data: Buffer.from("x"), version: 0 } },
      { type: OpCode.createContainer, req: { path: "/ms/c", data: null, acl: OPEN, flags: 4 } },
      { type: OpCode.check, req: { path: "/ms", version: 1 } },
      { type: OpCode.delete, req: { path: "/ms/c", version: -1 } },
    ];
    const codec = {
      write: (w: Parameters<typeof writeMultiRequest>[0], v: MultiOp[]) => writeMultiRequest(w, v),
      read: () => [],
    };
    c.send(c.frame(OpCode.multi, codec, ops));
    const r = new JuteReader(await c.nextFrame());
    const h = records.ReplyHeader.read(r);
    const res = readMultiResponse(r);
    assert.deepEqual(
      res.map((x) => x.type),
      [OpCode.create, OpCode.setData, OpCode.create2, OpCode.check, OpCode.delete],
    );
    const set = res[1];
    assert.ok(set?.type === OpCode.setData);
    assert.equal(set.stat.version, 1);
    assert.equal(set.stat.mzxid, h.zxid); // one zxid for the whole multi
  });

  test("whoAmI lists ip and digest ids; unknown auth scheme → AUTHFAILED and close", async () => {
    const c = await client();
    const a = await c.call(
      OpCode.auth,
      records.AuthPacket,
      { type: 0, scheme: "digest", auth: Buffer.from("bob:pw") },
      null,
    );
    assert.equal(a.xid, 1);
    assert.equal(a.zxid, 0n);
    const who = await c.call(OpCode.whoAmI, null, null, records.WhoAmIResponse);
    // In Apache's order (its authInfo is a ConcurrentHashMap-backed set; see server/auth.ts).
    assert.deepEqual(who.body?.clientInfo, [
      { authScheme: "digest", user: "bob" }, // Apache reports the user name only
      { authScheme: "ip", user: "127.0.0.1" },
    ]);
    const bad = await c.call(
      OpCode.auth,
      records.AuthPacket,
      { type: 0, scheme: "kerberos", auth: Buffer.from("x") },
      null,
    );
    assert.equal(bad.err, ErrorCode.AUTHFAILED);
    await c.closedPromise;
  });

  test("reconfig → RECONFIGDISABLED, sasl → null token, bad addWatch mode → MARSHALLINGERROR, standalone check → UNIMPLEMENTED and close", async () => {
    const c = await client();
    const rc = await c.call(
      OpCode.reconfig,
      records.ReconfigRequest,
      { joiningServers: "", leavingServers: "", newMembers: "", curConfigId: -1n },
      null,
    );
    assert.equal(rc.err, ErrorCode.RECONFIGDISABLED);
    const sasl = await c.call(OpCode.sasl, records.SaslToken, { token: Buffer.alloc(0) }, records.SaslToken);
    assert.deepEqual([sasl.err, sasl.zxid, sasl.body], [0, 0n, { token: null }]);
    const badMode = await c.call(OpCode.addWatch, records.AddWatchRequest, { path: "/", mode: 7 }, null);
    assert.equal(badMode.err, ErrorCode.MARSHALLINGERROR);
    const chk = await c.call(OpCode.check, records.CheckVersionRequest, { path: "/", version: -1 }, null);
    assert.equal(chk.err, ErrorCode.UNIMPLEMENTED);
    await c.closedPromise;
  });

  test("getEphemerals, getAllChildrenNumber, sync, create2 and TTL/container via createTTL", async () => {
    const c = await client();
    await c.create("/ge", "", 0);
    await c.create("/ge/e1", "", 1);
    await c.create("/ge/e2", "", 3);
    const eph = await c.call(
      OpCode.getEphemerals,
      records.PathRequest,
      { path: "/ge" },
      records.GetEphemeralsResponse,
    );
    assert.deepEqual(eph.body?.ephemerals.sort(), ["/ge/e1", "/ge/e20000000001"]);
    const n = await c.call(
      OpCode.getAllChildrenNumber,
      records.PathRequest,
      { path: "/ge" },
      records.GetAllChildrenNumberResponse,
    );
    assert.equal(n.body?.totalNumber, 2);
    const s = await c.call(OpCode.sync, records.PathRequest, { path: "/ge" }, records.PathRequest);
    assert.equal(s.body?.path, "/ge");
    const c2 = await c.create2("/c2", "abc");
    assert.equal(c2.body?.stat.dataLength, 3);
    const ttl = await c.call(
      OpCode.createTTL,
      records.CreateTTLRequest,
      { path: "/ttl-node", data: null, acl: OPEN, flags: 5, ttl: 30 },
      records.Create2Response,
    );
    assert.equal(ttl.err, 0);
    await c.exists("/ttl-node", true);
    const [ev] = await c.waitEvents(1); // the reaper (20 ms) deletes it after ~30 ms
    assert.deepEqual([ev?.type, ev?.path], [EventType.NodeDeleted, "/ttl-node"]);
  });

  test("a reply larger than 0xfffff becomes MARSHALLINGERROR instead of a frame clients refuse", async () => {
    const c = await client();
    await c.create("/big");
    const name = "n".repeat(200);
    for (let i = 0; i < 5500; i += 500) {
      const ops: MultiOp[] = [];
      for (let j = i; j < i + 500; j++)
        ops.push({ type: OpCode.create, req: { path: `/big/${name}${j}`, data: null, acl: OPEN, flags: 0 } });
      const codec = {
        write: (w: Parameters<typeof writeMultiRequest>[0], v: MultiOp[]) => writeMultiRequest(w, v),
        read: () => [],
      };
      c.send(c.frame(OpCode.multi, codec, ops));
      await c.reply(null);
    }
    const r = await c.getChildren("/big");
    assert.equal(r.err, ErrorCode.MARSHALLINGERROR);
    assert.equal((await c.exists("/big")).body?.stat.numChildren, 5500);
  });
});

describe("options", () => {
  test("invalid options throw InvalidArgumentError naming the option", async () => {
    await assert.rejects(
      startServer({ port: -1 }),
      (e: unknown) => e instanceof InvalidArgumentError && e.argument === "port",
    );
    await assert.rejects(startServer({ tickTime: 0 }), /invalid tickTime:/);
    await assert.rejects(
      startServer({ minSessionTimeout: 10, maxSessionTimeout: 5 }),
      /invalid minSessionTimeout:/,
    );
    await assert.rejects(startServer({ fourLetterWords: ["ruok", "nope"] }), /invalid fourLetterWords:/);
    await assert.rejects(startServer({ superDigest: "nocolon" }), /invalid superDigest:/);
  });
});
