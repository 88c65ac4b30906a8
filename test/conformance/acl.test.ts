/** Conformance: ACL schemes and per-operation permissions (PROTOCOL.md §7.9), the same on both servers. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AuthFailedError,
  CREATOR_ALL_ACL,
  InvalidACLError,
  NoAuthError,
  Perms,
  type ACL,
} from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { client } from "./helpers.js";

const world = (perms: number): ACL[] => [{ perms, id: { scheme: "world", id: "anyone" } }];
const ip = (perms: number, id: string): ACL => ({ perms, id: { scheme: "ip", id } });

forEachBackend("acl", (backend) => {
  test("ip scheme: loopback and its CIDR match, another address does not", async () => {
    const c = await client(backend());
    const root = uniqueRoot("ip");
    await c.create(root);
    await c.create(`${root}/mine`, "m", { acl: [ip(Perms.ALL, "127.0.0.1")] });
    await c.create(`${root}/net`, "n", { acl: [ip(Perms.READ, "127.0.0.0/8")] });
    await c.create(`${root}/other`, "o", { acl: [ip(Perms.ALL, "10.1.2.3")] });
    assert.equal((await c.getData(`${root}/mine`)).data?.toString(), "m");
    assert.equal((await c.getData(`${root}/net`)).data?.toString(), "n");
    await assert.rejects(c.setData(`${root}/net`, "x"), NoAuthError);
    await assert.rejects(c.getData(`${root}/other`), NoAuthError);
  });

  test("invalid ACLs: 'auth' without credentials, an unknown scheme, an empty list → INVALIDACL", async () => {
    const c = await client(backend());
    const root = uniqueRoot("badacl");
    await assert.rejects(c.create(root, null, { acl: CREATOR_ALL_ACL }), InvalidACLError);
    await assert.rejects(
      c.create(root, null, { acl: [{ perms: Perms.ALL, id: { scheme: "nosuch", id: "x" } }] }),
      InvalidACLError,
    );
    await assert.rejects(c.create(root, null, { acl: [] }), InvalidACLError);
    assert.equal(await c.exists(root), null);
  });

  test("create needs CREATE on the parent, delete needs DELETE on the parent, setData WRITE, setACL ADMIN", async () => {
    const c = await client(backend());
    const root = uniqueRoot("perms");
    await c.create(root);
    const createOnly = `${root}/create-only`;
    await c.create(createOnly, null, { acl: world(Perms.CREATE) });
    await c.create(`${createOnly}/kid`);
    await assert.rejects(c.delete(`${createOnly}/kid`), NoAuthError);
    await assert.rejects(c.getData(createOnly), NoAuthError);

    const deleteOnly = `${root}/delete-only`;
    await c.create(deleteOnly);
    await c.create(`${deleteOnly}/kid`);
    await c.setACL(deleteOnly, world(Perms.DELETE));
    await assert.rejects(c.create(`${deleteOnly}/kid2`), NoAuthError);
    await c.delete(`${deleteOnly}/kid`);

    const writeOnly = `${root}/write-only`;
    await c.create(writeOnly, "a", { acl: world(Perms.WRITE) });
    const stat = await c.setData(writeOnly, "b");
    assert.equal(stat.version, 1);
    await assert.rejects(c.setACL(writeOnly, world(Perms.ALL)), NoAuthError);

    const adminOnly = `${root}/admin-only`;
    await c.create(adminOnly, "a", { acl: world(Perms.ADMIN) });
    await assert.rejects(c.setData(adminOnly, "b"), NoAuthError);
    const after = await c.setACL(adminOnly, world(Perms.ALL));
    assert.equal(after.aversion, 1);
    assert.equal((await c.getData(adminOnly)).data?.toString(), "a");
  });

  test("a client without READ on a node receives no watch events for it", async () => {
    const owner = await client(backend());
    const stranger = await client(backend());
    const root = uniqueRoot("nowatch");
    await owner.create(root);
    await owner.addAuth("digest", "carol:pw");
    const secretEvents: string[] = [];
    await stranger.exists(`${root}/secret`, { watch: (e) => secretEvents.push(e.type) });
    let openEvent: (type: string) => void = () => undefined;
    const opened = new Promise<string>((resolve) => (openEvent = resolve));
    await stranger.exists(`${root}/open`, { watch: (e) => openEvent(e.type) });
    await owner.create(`${root}/secret`, "s", { acl: CREATOR_ALL_ACL });
    await owner.create(`${root}/open`, "o");
    // Events reach a connection in commit order: once the later one is in, the earlier would have been.
    assert.equal(await opened, "NodeCreated");
    assert.deepEqual(secretEvents, []);
  });

  test("an unknown auth scheme is refused with AUTHFAILED", async () => {
    const c = await client(backend());
    await assert.rejects(c.addAuth("nosuchscheme", "x"), AuthFailedError);
  });
});
