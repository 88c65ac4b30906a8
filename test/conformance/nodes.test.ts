/** Conformance: node operations, Stat fields, sequence numbers, data encoding (PROTOCOL.md §4, §7.4, §8). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateMode, Perms, type Stat } from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { client, sorted } from "./helpers.js";

forEachBackend("nodes", (backend) => {
  test("create, getData, setData, delete round trip", async () => {
    const c = await client(backend());
    const root = uniqueRoot("crud");
    assert.equal(await c.create(root, "hello"), root);
    const got = await c.getData(root);
    assert.equal(got.data?.toString(), "hello");
    const stat = await c.setData(root, Buffer.from([0, 1, 2]));
    assert.equal(stat.version, 1);
    assert.deepEqual((await c.getData(root)).data, Buffer.from([0, 1, 2]));
    await c.delete(root, 1);
    assert.equal(await c.exists(root), null);
  });

  test("null data stays null, empty data stays empty (PROTOCOL.md §1.2)", async () => {
    const c = await client(backend());
    const root = uniqueRoot("nulldata");
    await c.create(root, null);
    const n = await c.getData(root);
    assert.equal(n.data, null);
    assert.equal(n.stat.dataLength, 0);
    await c.create(`${root}/e`, Buffer.alloc(0));
    const e = await c.getData(`${root}/e`);
    assert.ok(e.data !== null && e.data.length === 0);
    await c.setData(`${root}/e`, null);
    assert.equal((await c.getData(`${root}/e`)).data, null);
  });

  test("Stat fields through create, setData, child create/delete, setACL (PROTOCOL.md §8)", async () => {
    const c = await client(backend());
    const root = uniqueRoot("stat");
    const created = await c.create2(root, "abc");
    const s0: Stat = created.stat;
    assert.equal(created.path, root);
    assert.equal(s0.czxid, s0.mzxid);
    assert.equal(s0.czxid, s0.pzxid);
    assert.equal(s0.ctime, s0.mtime);
    assert.deepEqual([s0.version, s0.cversion, s0.aversion, s0.dataLength, s0.numChildren], [0, 0, 0, 3, 0]);
    assert.equal(s0.ephemeralOwner, 0n);
    assert.deepEqual(await c.exists(root), s0);

    const s1 = await c.setData(root, "abcd");
    assert.equal(s1.version, 1);
    assert.ok(s1.mzxid > s0.mzxid);
    assert.equal(s1.pzxid, s0.pzxid, "setData does not touch pzxid");
    assert.equal(s1.czxid, s0.czxid);
    assert.ok(s1.mtime >= s0.mtime);
    assert.equal(s1.dataLength, 4);

    const child = await c.create2(`${root}/kid`, null);
    const s2 = (await c.exists(root)) as Stat;
    assert.equal(s2.cversion, 1);
    assert.equal(s2.numChildren, 1);
    assert.equal(s2.pzxid, child.stat.czxid);
    assert.equal(s2.mzxid, s1.mzxid, "child changes do not touch mzxid");

    await c.delete(`${root}/kid`);
    const s3 = (await c.exists(root)) as Stat;
    assert.equal(s3.cversion, 2, "visible cversion counts creations + deletions");
    assert.equal(s3.numChildren, 0);
    assert.ok(s3.pzxid > s2.pzxid);

    const s4 = await c.setACL(root, [{ perms: Perms.ALL, id: { scheme: "world", id: "anyone" } }], 0);
    assert.equal(s4.aversion, 1);
    assert.equal(s4.mzxid, s3.mzxid, "setACL does not touch mzxid");
    assert.equal(s4.version, 1);
  });

  test("ephemeralOwner is the session for ephemerals, 0 for containers and TTL nodes", async () => {
    const c = await client(backend());
    const root = uniqueRoot("owner");
    await c.create(root);
    const e = await c.create2(`${root}/e`, null, { mode: CreateMode.EPHEMERAL });
    assert.equal(e.stat.ephemeralOwner, c.sessionId);
    const k = await c.create2(`${root}/k`, null, { mode: CreateMode.CONTAINER });
    assert.equal(k.stat.ephemeralOwner, 0n);
    const t = await c.create2(`${root}/t`, null, { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 60_000 });
    assert.equal(t.stat.ephemeralOwner, 0n);
  });

  test("sequence numbers: first child 0000000000, every child creation advances by 1", async () => {
    const c = await client(backend());
    const root = uniqueRoot("seq");
    await c.create(root);
    assert.equal(
      await c.create(`${root}/s-`, null, { mode: CreateMode.PERSISTENT_SEQUENTIAL }),
      `${root}/s-0000000000`,
    );
    await c.delete(`${root}/s-0000000000`);
    assert.equal(
      await c.create(`${root}/s-`, null, { mode: CreateMode.PERSISTENT_SEQUENTIAL }),
      `${root}/s-0000000001`,
    );
    await c.create(`${root}/plain`);
    assert.equal(
      await c.create(`${root}/e-`, null, { mode: CreateMode.EPHEMERAL_SEQUENTIAL }),
      `${root}/e-0000000003`,
    );
    // A sequential create on "parent/" is legal (PROTOCOL.md §7.1): the name is just the number.
    assert.equal(
      await c.create(`${root}/`, null, { mode: CreateMode.PERSISTENT_SEQUENTIAL }),
      `${root}/0000000004`,
    );
    const ttl = await c.create(`${root}/t-`, null, {
      mode: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
      ttl: 60_000,
    });
    assert.equal(ttl, `${root}/t-0000000005`);
  });

  test("getChildren, getChildren2, getAllChildrenNumber", async () => {
    const c = await client(backend());
    const root = uniqueRoot("children");
    await c.create(root);
    for (const n of ["a", "b", "c"]) await c.create(`${root}/${n}`);
    await c.create(`${root}/a/x`);
    assert.deepEqual(sorted(await c.getChildren(root)), ["a", "b", "c"]);
    const two = await c.getChildren2(root);
    assert.deepEqual(sorted(two.children), ["a", "b", "c"]);
    assert.equal(two.stat.numChildren, 3);
    assert.deepEqual(await c.getChildren(`${root}/b`), []);
    assert.equal(await c.getAllChildrenNumber(root), 4);
    assert.equal(await c.getAllChildrenNumber(`${root}/b`), 0);
  });

  test("special nodes exist; root is listed", async () => {
    const c = await client(backend());
    assert.ok((await c.getChildren("/")).includes("zookeeper"));
    assert.deepEqual(sorted(await c.getChildren("/zookeeper")), ["config", "quota"]);
    assert.notEqual(await c.exists("/zookeeper/quota"), null);
  });

  test("getEphemerals lists this session's ephemerals under a prefix", async () => {
    const c = await client(backend());
    const other = await client(backend());
    const root = uniqueRoot("ephemerals");
    await c.create(root);
    await c.create(`${root}/mine1`, null, { mode: CreateMode.EPHEMERAL });
    await c.create(`${root}/mine2`, null, { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
    await other.create(`${root}/theirs`, null, { mode: CreateMode.EPHEMERAL });
    const mine = sorted(await c.getEphemerals(root));
    assert.deepEqual(mine, [`${root}/mine1`, `${root}/mine20000000001`]);
    assert.deepEqual(await other.getEphemerals(root), [`${root}/theirs`]);
    assert.ok((await c.getEphemerals("/")).includes(`${root}/mine1`));
  });

  test("ephemerals disappear when their session closes", async () => {
    const c = await client(backend());
    const observer = await client(backend());
    const root = uniqueRoot("close-eph");
    await observer.create(root);
    await c.create(`${root}/e`, null, { mode: CreateMode.EPHEMERAL });
    await c.close();
    assert.equal(await observer.exists(`${root}/e`), null);
  });

  test("sync, whoAmI", async () => {
    const c = await client(backend());
    await c.sync("/");
    const who = await c.whoAmI();
    assert.ok(
      who.some((w) => w.authScheme === "ip" && w.user === "127.0.0.1"),
      JSON.stringify(who),
    );
  });

  test("chroot: paths are relative to it in requests, replies and events", async () => {
    const admin = await client(backend());
    const root = uniqueRoot("chroot");
    await admin.create(root);
    const c = await client(backend(), { connectString: `${backend().connectString}${root}` });
    assert.equal(await c.create("/x", "1"), "/x");
    assert.equal(await c.create("/s-", null, { mode: CreateMode.PERSISTENT_SEQUENTIAL }), "/s-0000000001");
    assert.deepEqual(sorted(await c.getChildren("/")), ["s-0000000001", "x"]);
    assert.equal((await admin.getData(`${root}/x`)).data?.toString(), "1");
    let seenPath: (path: string) => void = () => undefined;
    const seen = new Promise<string>((resolve) => (seenPath = resolve));
    // The watch must be registered before the other session writes, or the event can be missed.
    await c.exists("/x", { watch: (e) => seenPath(e.path) });
    await admin.setData(`${root}/x`, "2");
    assert.equal(await seen, "/x");
  });
});
