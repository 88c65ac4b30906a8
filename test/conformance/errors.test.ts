/**
 * Conformance: every error path of create/delete/setData/setACL and reads (PROTOCOL.md §7.1–§7.3,
 * §7.11).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BadArgumentsError,
  BadVersionError,
  CreateMode,
  InvalidACLError,
  NoChildrenForEphemeralsError,
  NoNodeError,
  NodeExistsError,
  NotEmptyError,
  ZooKeeperError,
} from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { client } from "./helpers.js";

forEachBackend("errors", (backend) => {
  test("create with an invalid path: BADARGUMENTS, unless its parent is already missing (NONODE)", async () => {
    const c = await client(backend());
    const root = uniqueRoot("badpath");
    await c.create(root);
    // Invalid name under an existing parent, no slash, or a NUL: BADARGUMENTS (PROTOCOL.md §7.2 steps 3, 8).
    for (const bad of [
      `${root}/`,
      `${root}/.`,
      `${root}/..`,
      `${root}/a\u0000b`,
      `${root}/\u0001`,
      "noslash",
    ]) {
      await assert.rejects(c.create(bad), BadArgumentsError, JSON.stringify(bad));
    }
    // The parent lookup (step 5) comes before the full path check (step 8).
    for (const bad of [`${root}//x`, `${root}/./x`, `${root}/../x`]) {
      await assert.rejects(c.create(bad), NoNodeError, JSON.stringify(bad));
    }
    assert.deepEqual(await c.getChildren(root), []);
  });

  test("create with an invalid mode or TTL: BADARGUMENTS", async () => {
    const c = await client(backend());
    const root = uniqueRoot("badmode");
    await c.create(root);
    await assert.rejects(c.create(`${root}/m7`, null, { mode: 7 }), BadArgumentsError);
    await assert.rejects(c.create(`${root}/m-1`, null, { mode: -1 }), BadArgumentsError);
    await assert.rejects(
      c.create(`${root}/ttl0`, null, { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 0 }),
      BadArgumentsError,
    );
    await assert.rejects(
      c.create(`${root}/ttlbig`, null, { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 2 ** 40 }),
      BadArgumentsError,
    );
    // createTTL with a non-TTL mode (PROTOCOL.md §7.2 step 2).
    await assert.rejects(
      c.create(`${root}/ttlplain`, null, { mode: CreateMode.PERSISTENT, ttl: 1000 }),
      BadArgumentsError,
    );
    assert.deepEqual(await c.getChildren(root), []);
  });

  test("create: INVALIDACL for an empty list, an unknown scheme, or auth without identities", async () => {
    const c = await client(backend());
    const root = uniqueRoot("badacl");
    await c.create(root);
    await assert.rejects(c.create(`${root}/a`, null, { acl: [] }), InvalidACLError);
    await assert.rejects(
      c.create(`${root}/b`, null, { acl: [{ perms: 31, id: { scheme: "nosuch", id: "x" } }] }),
      InvalidACLError,
    );
    await assert.rejects(
      c.create(`${root}/c`, null, { acl: [{ perms: 31, id: { scheme: "auth", id: "" } }] }),
      InvalidACLError,
    );
    // ACL validation comes before the parent check (PROTOCOL.md §7.2 steps 4, 5).
    await assert.rejects(c.create(`${root}/missing/d`, null, { acl: [] }), InvalidACLError);
  });

  test("create: NONODE parent, NODEEXISTS, NOCHILDRENFOREPHEMERALS", async () => {
    const c = await client(backend());
    const root = uniqueRoot("createerr");
    await c.create(root);
    await assert.rejects(
      c.create(`${root}/missing/child`),
      (e: unknown) => e instanceof NoNodeError && e.path === `${root}/missing/child`,
    );
    await assert.rejects(c.create(root), NodeExistsError);
    await c.create(`${root}/eph`, null, { mode: CreateMode.EPHEMERAL });
    await assert.rejects(c.create(`${root}/eph/child`), NoChildrenForEphemeralsError);
    await assert.rejects(
      c.create(`${root}/eph/seq-`, null, { mode: CreateMode.PERSISTENT_SEQUENTIAL }),
      NoChildrenForEphemeralsError,
    );
    // Containers and TTL nodes may have children.
    await c.create(`${root}/cont`, null, { mode: CreateMode.CONTAINER });
    await c.create(`${root}/cont/child`);
    await c.create(`${root}/ttl`, null, { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 60_000 });
    await c.create(`${root}/ttl/child`);
  });

  test("delete: NONODE, BADVERSION, NOTEMPTY; version -1 means any", async () => {
    const c = await client(backend());
    const root = uniqueRoot("deleteerr");
    await c.create(root);
    await assert.rejects(c.delete(`${root}/missing`), NoNodeError);
    await assert.rejects(c.delete(`${root}/missing/deeper`), NoNodeError);
    await c.create(`${root}/n`);
    await c.setData(`${root}/n`, "x");
    await assert.rejects(c.delete(`${root}/n`, 0), BadVersionError);
    await c.create(`${root}/n/kid`);
    await assert.rejects(c.delete(`${root}/n`, 1), NotEmptyError);
    await assert.rejects(c.delete(`${root}/n`), NotEmptyError);
    await c.delete(`${root}/n/kid`, -1);
    await c.delete(`${root}/n`, 1);
  });

  test("delete of the special paths: BADARGUMENTS", async () => {
    const c = await client(backend());
    for (const p of ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"]) {
      await assert.rejects(c.delete(p), BadArgumentsError, p);
    }
    await assert.rejects(c.delete("noslash"), BadArgumentsError);
    await assert.rejects(c.delete("/a\u0000b"), BadArgumentsError);
  });

  test("setData and setACL: NONODE and BADVERSION (setACL checks aversion)", async () => {
    const c = await client(backend());
    const root = uniqueRoot("seterr");
    await assert.rejects(c.setData(root, "x"), NoNodeError);
    await c.create(root);
    await assert.rejects(c.setData(root, "x", 5), BadVersionError);
    await c.setData(root, "x", 0);
    const open = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
    await assert.rejects(c.setACL(root, open, 1), BadVersionError, "aversion is still 0");
    await c.setACL(root, open, 0);
    await assert.rejects(c.setACL(`${root}/missing`, open), NoNodeError);
    await assert.rejects(c.setACL(root, [], -1), InvalidACLError);
  });

  test("reads of missing nodes: NONODE; exists gives null", async () => {
    const c = await client(backend());
    const root = uniqueRoot("readerr");
    await assert.rejects(c.getData(root), NoNodeError);
    await assert.rejects(c.getChildren(root), NoNodeError);
    await assert.rejects(c.getChildren2(root), NoNodeError);
    await assert.rejects(c.getACL(root), NoNodeError);
    assert.equal(await c.exists(root), null);
  });

  test("errors are typed, carry the path, and say whether they are retriable", async () => {
    const c = await client(backend());
    const root = uniqueRoot("typed");
    const err = await c.getData(root).then(
      () => assert.fail("expected NONODE"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ZooKeeperError);
    assert.equal(err.code, -101);
    assert.equal(err.codeName, "NONODE");
    assert.equal(err.path, root);
    assert.equal(err.retriable, false);
  });
});
