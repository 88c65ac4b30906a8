/**
 * The durability gate for reads (reads.ts readZxid, output-batch.ts): a reply is held until the log has
 * synced the highest zxid it may reveal. A read of a node that no unsynced txn touched carries the
 * durable zxid and leaves at once; a read of a node an unsynced txn created, changed (data, children)
 * or after an unsynced setACL carries the last applied zxid and waits. Frames without a zxid of their
 * own (watch notifications) wait for everything applied.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { OPEN_ACL_UNSAFE } from "../../src/protocol/index.js";
import { ZkDatabase } from "../../src/server/database.js";
import { NodeKind } from "../../src/server/node.js";
import { OutputBatch } from "../../src/server/output-batch.js";
import { readZxid } from "../../src/server/reads.js";
import type { DataNode } from "../../src/server/tree.js";

function create(db: ZkDatabase, path: string, parentCversion = 0): void {
  db.commit(1n, {
    type: "create",
    path,
    data: Buffer.from("x"),
    acl: OPEN_ACL_UNSAFE,
    kind: NodeKind.normal,
    owner: 0n,
    ttl: -1,
    parentCversion,
  });
}

function node(db: ZkDatabase, path: string): DataNode {
  const n = db.tree.get(path);
  assert.ok(n !== undefined, path);
  return n;
}

test("readZxid: durable for untouched nodes, last applied for anything an unsynced txn touched", () => {
  const db = new ZkDatabase();
  db.sink = { append: () => undefined };
  create(db, "/a"); // zxid 1
  create(db, "/b", 1); // zxid 2
  db.durable(2);
  create(db, "/b/c"); // zxid 3, unsynced: touches /b's children
  db.commit(1n, { type: "setData", path: "/a", data: Buffer.from("y"), version: 1 }); // zxid 4, unsynced
  assert.equal(db.lastZxid, 4);
  create(db, "/d", 2); // zxid 5, unsynced, new node
  assert.equal(db.durableZxid, 2);
  assert.equal(readZxid(db, node(db, "/b/c")), 5, "created by an unsynced txn");
  assert.equal(readZxid(db, node(db, "/b")), 5, "its children changed in an unsynced txn");
  assert.equal(readZxid(db, node(db, "/a")), 5, "its data changed in an unsynced txn");
  create(db, "/e"); // zxid 6
  db.durable(6);
  assert.equal(readZxid(db, node(db, "/a")), 6, "all synced: the durable zxid");
  create(db, "/f"); // zxid 7, unsynced, touches only / and /f
  assert.equal(readZxid(db, node(db, "/a")), 6, "untouched by the unsynced txn: the durable zxid");
  assert.equal(readZxid(db, node(db, "/")), 7, "the root's children changed");
  db.commit(1n, { type: "setACL", path: "/f", acl: OPEN_ACL_UNSAFE, aversion: 1 }); // zxid 8
  assert.equal(readZxid(db, node(db, "/a")), 8, "an unsynced setACL anywhere: the last applied");
});

test("a batch waits for the highest header zxid of its replies; a notification for everything applied", () => {
  const out = new OutputBatch();
  out.beginReply(1, 6, 0);
  out.endReply();
  out.hold(9); // applied 9, but the reply shows only up to 6
  assert.ok(out.take(6) !== null, "released once 6 is durable");
  out.beginReply(2, 6, 0);
  out.endReply();
  out.notification(1, "/x");
  out.hold(9);
  assert.equal(out.take(8), null, "a notification may reveal anything applied");
  assert.ok(out.take(9) !== null);
  // FIFO: a later early read never overtakes an earlier held reply.
  out.beginReply(3, 9, 0);
  out.endReply();
  out.hold(9);
  out.beginReply(4, 6, 0);
  out.endReply();
  out.hold(9);
  assert.equal(out.take(8), null, "the read behind the held write waits with it");
  const both = out.take(9);
  assert.ok(both !== null && both.length > 32, "both leave together, in order");
});
