/** Conformance: multi (transactions) and multiRead (PROTOCOL.md §4.3, §7.13). */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BadArgumentsError,
  BadVersionError,
  CreateMode,
  NoNodeError,
  NodeExistsError,
  ZooKeeperError,
} from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { client, sorted } from "./helpers.js";

forEachBackend("multi", (backend) => {
  test("a transaction applies all ops under one zxid and returns one result per op", async () => {
    const c = await client(backend());
    const root = uniqueRoot("txn");
    await c.create(root, "v0");
    const results = await c
      .transaction()
      .check(root, 0)
      .create(`${root}/a`, "A")
      .create(`${root}/s-`, null, { mode: CreateMode.PERSISTENT_SEQUENTIAL })
      .create(`${root}/k`, null, { mode: CreateMode.CONTAINER })
      .setData(root, "v1", 0)
      .delete(`${root}/a`)
      .commit();
    assert.deepEqual(
      results.map((r) => r.type),
      ["check", "create", "create", "create", "setData", "delete"],
    );
    assert.deepEqual(results[1], { type: "create", path: `${root}/a`, stat: null });
    assert.equal((results[2] as { path: string }).path, `${root}/s-0000000001`);
    const container = results[3] as { type: "create"; stat: { czxid: bigint } | null };
    assert.ok(container.stat !== null, "container sub-ops reply as create2 (type 15) with a Stat");
    const set = results[4] as { type: "setData"; stat: { version: number; mzxid: bigint } };
    assert.equal(set.stat.version, 1);
    assert.equal(set.stat.mzxid, container.stat.czxid, "one zxid for the whole multi");
    assert.deepEqual(sorted(await c.getChildren(root)), ["k", "s-0000000001"]);
  });

  test("a failed transaction applies nothing; results are 0 before the failing op, its code, then -2", async () => {
    const c = await client(backend());
    const root = uniqueRoot("txnfail");
    await c.create(root);
    await c.create(`${root}/exists`);
    const err = await c
      .transaction()
      .create(`${root}/new1`)
      .setData(root, "x")
      .create(`${root}/exists`)
      .delete(`${root}/exists`)
      .create(`${root}/new2`)
      .commit()
      .then(
        () => assert.fail("expected the transaction to fail"),
        (e: unknown) => e,
      );
    assert.ok(err instanceof NodeExistsError, String(err));
    assert.equal(err.opIndex, 2);
    assert.equal(err.path, `${root}/exists`);
    assert.deepEqual(
      err.results?.map((r) => (r.type === "error" ? r.code : r.type)),
      [0, 0, -110, -2, -2],
    );
    assert.deepEqual(await c.getChildren(root), ["exists"]);
    assert.equal((await c.exists(root))?.version, 0);
  });

  test("check failures: BADVERSION and NONODE", async () => {
    const c = await client(backend());
    const root = uniqueRoot("txncheck");
    await c.create(root);
    await assert.rejects(c.transaction().check(root, 3).create(`${root}/x`).commit(), BadVersionError);
    await assert.rejects(c.transaction().check(`${root}/missing`, -1).commit(), NoNodeError);
    assert.deepEqual(await c.getChildren(root), []);
  });

  test("ops inside one transaction see each other's effects", async () => {
    const c = await client(backend());
    const root = uniqueRoot("txnchain");
    await c
      .transaction()
      .create(root)
      .create(`${root}/a`)
      .create(`${root}/a/b`, "x")
      .setData(`${root}/a/b`, "y", 0)
      .check(`${root}/a/b`, 1)
      .commit();
    assert.equal((await c.getData(`${root}/a/b`)).data?.toString(), "y");
  });

  test("an empty transaction resolves to [] without a round trip", async () => {
    const c = await client(backend());
    assert.deepEqual(await c.transaction().commit(), []);
  });

  // Found by test/differential: Apache decodes a createTTL sub-op with Op.create(…, flags, ttl),
  // which drops the TTL unless the mode is a TTL mode.
  test("a ttl with a non-TTL mode: BADARGUMENTS alone, ignored inside a transaction", async () => {
    const c = await client(backend());
    const root = uniqueRoot("strayttl");
    await c.create(root);
    await assert.rejects(c.create(`${root}/single`, null, { ttl: 1000 }), BadArgumentsError);
    const results = await c
      .transaction()
      .create(`${root}/plain`, null, { ttl: 1000 })
      .create(`${root}/seq-`, null, { mode: CreateMode.PERSISTENT_SEQUENTIAL, ttl: 1000 })
      .create(`${root}/box`, null, { mode: CreateMode.CONTAINER, ttl: 1000 })
      .commit();
    assert.deepEqual(
      results.map((r) => (r.type === "create" ? { path: r.path, withStat: r.stat !== null } : r)),
      [
        { path: `${root}/plain`, withStat: false },
        { path: `${root}/seq-0000000001`, withStat: false },
        { path: `${root}/box`, withStat: true }, // a container's create answers with a Stat
      ],
    );
    const err = await c
      .transaction()
      .create(`${root}/ttl`, null, { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 0 })
      .commit()
      .then(
        () => assert.fail("expected BADARGUMENTS"),
        (e: unknown) => e,
      );
    assert.ok(err instanceof BadArgumentsError, String(err));
  });

  test("multiRead: independent results, errors per op with no cascade", async () => {
    const c = await client(backend());
    const root = uniqueRoot("multiread");
    await c.create(root, "r");
    await c.create(`${root}/a`);
    const results = await c.multiRead([
      { type: "getData", path: root },
      { type: "getChildren", path: `${root}/missing` },
      { type: "getChildren", path: root },
      { type: "getData", path: `${root}/missing` },
    ]);
    assert.equal(results.length, 4);
    const [r0, r1, r2, r3] = results;
    assert.ok(r0?.type === "getData" && r0.data?.toString() === "r");
    assert.ok(r1?.type === "error" && r1.error instanceof NoNodeError);
    assert.ok(r2?.type === "getChildren");
    assert.deepEqual(r2.children, ["a"]);
    assert.ok(r3?.type === "error" && r3.error instanceof ZooKeeperError && r3.error.code === -101);
  });
});
