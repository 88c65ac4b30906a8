/** Data tree semantics without sockets: Stat fields, cversion/sequence rules, check order, multi. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, OpCode, type ACL, type Id, type MultiOp, type Stat } from "../../src/protocol/index.js";
import { ZkDatabase } from "../../src/server/database.js";
import {
  prepCreate,
  prepDelete,
  prepMulti,
  prepSetACL,
  prepSetData,
  sequenceSuffix,
  type PrepContext,
} from "../../src/server/prep.js";
import { reapContainers } from "../../src/server/reaper.js";
import { digestOf } from "../../src/server/acl.js";
import type { Txn } from "../../src/server/txn.js";

const OPEN: ACL[] = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const SID = 0x100000000000001n;
const ctx = (ids: Id[] = [{ scheme: "ip", id: "127.0.0.1" }]): PrepContext => ({
  sessionId: SID,
  ids,
  extendedTypesEnabled: true,
});

function create(
  db: ZkDatabase,
  path: string,
  flags = 0,
  opts: { ttl?: number; acl?: ACL[]; c?: PrepContext } = {},
): string | number {
  const r = prepCreate(
    db.tree,
    opts.c ?? ctx(),
    { path, data: Buffer.from("d"), acl: opts.acl ?? OPEN, flags },
    opts.ttl ?? -1,
  );
  if (typeof r === "number") {
    db.commit(SID, { type: "error", err: r });
    return r;
  }
  db.commit(SID, r);
  return r.path;
}

function commit(db: ZkDatabase, r: Txn | number): number {
  if (typeof r === "number") return r;
  db.commit(SID, r);
  return 0;
}

describe("fresh tree", () => {
  test("has /, /zookeeper, /zookeeper/quota, /zookeeper/config with Apache's stats", () => {
    const db = new ZkDatabase();
    assert.equal(db.tree.get("/")?.stat().cversion, -1);
    assert.equal(db.tree.get("/zookeeper")?.stat().cversion, -2);
    assert.equal(db.tree.get("/zookeeper/config")?.stat().aversion, -1);
    assert.deepEqual(db.tree.get("/zookeeper/config")?.acl, [
      { perms: 1, id: { scheme: "world", id: "anyone" } },
    ]);
    assert.equal(db.tree.nodeCount, 5);
    assert.equal(db.tree.descendantCount("/"), 3);
  });
});

describe("stat semantics", () => {
  test("create sets czxid = mzxid = pzxid, parent pzxid and visible cversion", () => {
    const db = new ZkDatabase();
    assert.equal(create(db, "/a"), "/a");
    const a = db.tree.get("/a")?.stat();
    assert.ok(a);
    assert.equal(a.czxid, 1n);
    assert.equal(a.mzxid, 1n);
    assert.equal(a.pzxid, 1n);
    assert.equal(a.version, 0);
    assert.equal(a.cversion, 0);
    assert.equal(a.dataLength, 1);
    assert.equal(db.tree.get("/")?.stat().pzxid, 1n);
    assert.equal(db.tree.get("/")?.stat().cversion, 0); // 2×1 − 2 children
  });

  test("setData bumps version and mzxid but not pzxid; setACL bumps only aversion", () => {
    const db = new ZkDatabase();
    create(db, "/a");
    assert.equal(
      commit(db, prepSetData(db.tree, ctx(), { path: "/a", data: Buffer.from("d"), version: 0 })),
      0,
    );
    assert.equal(commit(db, prepSetACL(db.tree, ctx(), { path: "/a", acl: OPEN, version: 0 })), 0);
    const s = db.tree.get("/a")?.stat();
    assert.equal(s?.version, 1);
    assert.equal(s?.mzxid, 2n);
    assert.equal(s?.pzxid, 1n);
    assert.equal(s?.aversion, 1);
    assert.equal(prepSetData(db.tree, ctx(), { path: "/a", data: null, version: 0 }), ErrorCode.BADVERSION);
    assert.equal(prepSetACL(db.tree, ctx(), { path: "/a", acl: OPEN, version: 0 }), ErrorCode.BADVERSION);
  });

  test("visible cversion counts creates and deletes; the sequence counts creates only (PROTOCOL.md §7.4)", () => {
    const db = new ZkDatabase();
    create(db, "/q");
    assert.equal(create(db, "/q/x-", 2), "/q/x-0000000000");
    assert.equal(commit(db, prepDelete(db.tree, ctx(), { path: "/q/x-0000000000", version: -1 })), 0);
    const q = db.tree.get("/q")?.stat();
    assert.equal(q?.cversion, 2);
    assert.equal(q?.pzxid, 3n);
    assert.equal(create(db, "/q/x-", 2), "/q/x-0000000001");
    assert.equal(create(db, "/q/", 2), "/q/0000000002");
  });

  test("sequence suffix formats like %010d, including the negative wrap", () => {
    assert.equal(sequenceSuffix(0), "0000000000");
    assert.equal(sequenceSuffix(2147483647), "2147483647");
    assert.equal(sequenceSuffix(-2147483648), "-2147483648");
    assert.equal(sequenceSuffix(-5), "-000000005");
  });

  test("failed writes consume a zxid", () => {
    const db = new ZkDatabase();
    create(db, "/a");
    assert.equal(create(db, "/a"), ErrorCode.NODEEXISTS);
    assert.equal(db.lastZxid, 2);
  });

  test("ephemerals are owned, listed per session and removed by closeSession", () => {
    const db = new ZkDatabase();
    create(db, "/e", 1);
    assert.equal(db.tree.get("/e")?.stat().ephemeralOwner, SID);
    assert.equal(create(db, "/e/child"), ErrorCode.NOCHILDRENFOREPHEMERALS);
    assert.deepEqual([...db.tree.ephemeralsOf(SID)], ["/e"]);
    db.commit(SID, { type: "closeSession" });
    assert.equal(db.tree.get("/e"), undefined);
  });

  test("containers and TTL nodes show ephemeralOwner 0 and may have children", () => {
    const db = new ZkDatabase();
    assert.equal(create(db, "/c", 4), "/c");
    assert.equal(create(db, "/t", 5, { ttl: 1000 }), "/t");
    assert.equal(db.tree.get("/c")?.stat().ephemeralOwner, 0n);
    assert.equal(db.tree.get("/t")?.stat().ephemeralOwner, 0n);
    assert.equal(create(db, "/c/x"), "/c/x");
  });
});

describe("check order", () => {
  test("create: flags, ttl, path, ACL, parent, permission, exists, ephemeral parent", () => {
    const db = new ZkDatabase();
    assert.equal(create(db, "/x", 7), ErrorCode.BADARGUMENTS);
    assert.equal(create(db, "/x", 5), ErrorCode.BADARGUMENTS); // TTL mode without ttl
    assert.equal(create(db, "/x", 0, { ttl: 5 }), ErrorCode.BADARGUMENTS); // ttl with a non-TTL mode
    assert.equal(create(db, "/x", 5, { ttl: 0x10000000000 }), ErrorCode.BADARGUMENTS);
    const noExt = { sessionId: SID, ids: [], extendedTypesEnabled: false };
    assert.equal(create(db, "/x", 5, { ttl: 10, c: noExt }), ErrorCode.UNIMPLEMENTED);
    assert.equal(create(db, "x"), ErrorCode.BADARGUMENTS);
    // INVALIDACL is checked before the parent exists.
    assert.equal(create(db, "/missing/x", 0, { acl: [] }), ErrorCode.INVALIDACL);
    assert.equal(
      create(db, "/x", 0, { acl: [{ perms: 31, id: { scheme: "auth", id: "" } }] }),
      ErrorCode.INVALIDACL,
    );
    assert.equal(
      create(db, "/x", 0, { acl: [{ perms: 31, id: { scheme: "nope", id: "" } }] }),
      ErrorCode.INVALIDACL,
    );
    assert.equal(create(db, "/missing/x"), ErrorCode.NONODE);
    assert.equal(create(db, "/a/"), ErrorCode.NONODE); // parent "/a" missing
    create(db, "/ro", 0, { acl: [{ perms: 1, id: { scheme: "world", id: "anyone" } }] });
    assert.equal(create(db, "/ro/x"), ErrorCode.NOAUTH);
    assert.equal(create(db, "/ro/"), ErrorCode.NOAUTH); // permission before the final-path check
    assert.equal(create(db, "/bad/"), ErrorCode.NONODE);
    create(db, "/a");
    assert.equal(create(db, "/a/"), ErrorCode.BADARGUMENTS); // final path ends with /
    assert.equal(create(db, "/a"), ErrorCode.NODEEXISTS);
    create(db, "/e", 1);
    assert.equal(create(db, "/e"), ErrorCode.NODEEXISTS); // exists before ephemeral parent
    assert.equal(create(db, "/e/x"), ErrorCode.NOCHILDRENFOREPHEMERALS);
  });

  test("delete: special paths, parent, permission, node, version, children", () => {
    const db = new ZkDatabase();
    const del = (path: string, version = -1): number =>
      commit(db, prepDelete(db.tree, ctx(), { path, version }));
    for (const p of ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"])
      assert.equal(del(p), ErrorCode.BADARGUMENTS);
    assert.equal(del("/no/such"), ErrorCode.NONODE);
    create(db, "/locked", 0, { acl: [{ perms: 31 & ~8, id: { scheme: "world", id: "anyone" } }] });
    create(db, "/locked/c");
    assert.equal(del("/locked/missing"), ErrorCode.NOAUTH); // parent permission before existence
    create(db, "/p");
    create(db, "/p/c");
    assert.equal(del("/p/missing"), ErrorCode.NONODE);
    assert.equal(del("/p", 3), ErrorCode.BADVERSION); // version before children
    assert.equal(del("/p"), ErrorCode.NOTEMPTY);
    assert.equal(del("/p/c", 0), 0);
  });

  test("digest ACLs: only the authenticated identity may write", () => {
    const db = new ZkDatabase();
    const bob = [
      { scheme: "ip", id: "127.0.0.1" },
      { scheme: "digest", id: digestOf("bob:pw") },
    ];
    assert.equal(
      create(db, "/s", 0, { acl: [{ perms: 31, id: { scheme: "auth", id: "" } }], c: ctx(bob) }),
      "/s",
    );
    assert.deepEqual(db.tree.get("/s")?.acl, [
      { perms: 31, id: { scheme: "digest", id: digestOf("bob:pw") } },
    ]);
    assert.equal(prepSetData(db.tree, ctx(), { path: "/s", data: null, version: -1 }), ErrorCode.NOAUTH);
    assert.equal(typeof prepSetData(db.tree, ctx(bob), { path: "/s", data: null, version: -1 }), "object");
    const sup = [{ scheme: "super", id: "" }];
    assert.equal(typeof prepSetData(db.tree, ctx(sup), { path: "/s", data: null, version: -1 }), "object");
  });
});

describe("multi", () => {
  const c = (path: string, flags = 0): MultiOp => ({
    type: OpCode.create,
    req: { path, data: null, acl: OPEN, flags },
  });

  test("atomic failure: 0 before, the code at the failing op, −2 after; nothing applied", () => {
    const db = new ZkDatabase();
    create(db, "/x");
    const before = db.lastZxid;
    const r = prepMulti(db.tree, ctx(), [
      c("/a"),
      c("/x"),
      { type: OpCode.delete, req: { path: "/x", version: -1 } },
    ]);
    assert.deepEqual(r, [0, ErrorCode.NODEEXISTS, ErrorCode.RUNTIMEINCONSISTENCY]);
    assert.equal(db.tree.get("/a"), undefined);
    assert.equal(db.lastZxid, before);
  });

  test("later ops see earlier ones; one zxid for the whole batch", () => {
    const db = new ZkDatabase();
    const ops: MultiOp[] = [
      c("/m"),
      c("/m/s-", 2),
      c("/m/s-", 2),
      { type: OpCode.setData, req: { path: "/m", data: Buffer.from("x"), version: 0 } },
      { type: OpCode.check, req: { path: "/m", version: 1 } },
      { type: OpCode.delete, req: { path: "/m/s-0000000000", version: -1 } },
    ];
    const txn = prepMulti(db.tree, ctx(), ops);
    assert.ok(!Array.isArray(txn) && txn.type === "multi");
    assert.deepEqual(
      txn.txns.map((t) => ("path" in t ? t.path : "")),
      ["/m", "/m/s-0000000000", "/m/s-0000000001", "/m", "/m", "/m/s-0000000000"],
    );
    const stats: (Stat | null)[] = [];
    db.commit(SID, txn, stats);
    assert.equal(db.lastZxid, 1);
    assert.equal(db.tree.get("/m")?.stat().cversion, 3);
    assert.equal(db.tree.get("/m")?.stat().version, 1);
    assert.equal(stats.length, 6);
  });

  test("a delete of a node that the same multi made non-empty fails with NOTEMPTY", () => {
    const db = new ZkDatabase();
    create(db, "/p");
    const r = prepMulti(db.tree, ctx(), [
      c("/p/c"),
      { type: OpCode.delete, req: { path: "/p", version: -1 } },
    ]);
    assert.deepEqual(r, [0, ErrorCode.NOTEMPTY]);
  });
});

describe("reaper", () => {
  test("deletes used-and-empty containers and expired TTL nodes only", () => {
    const db = new ZkDatabase();
    create(db, "/used", 4);
    create(db, "/used/c");
    commit(db, prepDelete(db.tree, ctx(), { path: "/used/c", version: -1 }));
    create(db, "/fresh", 4);
    create(db, "/ttl", 5, { ttl: 50 });
    create(db, "/ttl2", 5, { ttl: 50 });
    create(db, "/ttl2/keep");
    const now = Date.now();
    assert.equal(reapContainers(db, now, 0), 1);
    assert.equal(db.tree.get("/used"), undefined);
    assert.ok(db.tree.get("/fresh"));
    assert.ok(db.tree.get("/ttl"));
    assert.equal(reapContainers(db, now + 100, 0), 1);
    assert.equal(db.tree.get("/ttl"), undefined);
    assert.ok(db.tree.get("/ttl2"));
    assert.equal(reapContainers(db, now + 100, 50), 1);
    assert.equal(db.tree.get("/fresh"), undefined);
  });
});
