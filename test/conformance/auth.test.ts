/** Conformance: digest auth and ACL enforcement basics (PROTOCOL.md §7.9). */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { CREATOR_ALL_ACL, NoAuthError, Perms, READ_ACL_UNSAFE } from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { client } from "./helpers.js";

const digest = (userPass: string): string =>
  `${userPass.split(":")[0]}:${createHash("sha1").update(userPass).digest("base64")}`;

forEachBackend("auth", (backend) => {
  test("digest auth: creator-only ACL, NOAUTH for others until they authenticate", async () => {
    const owner = await client(backend());
    const stranger = await client(backend());
    const root = uniqueRoot("digest");
    await owner.addAuth("digest", "alice:secret");
    await owner.create(root, "private", { acl: CREATOR_ALL_ACL });
    const { acl } = await owner.getACL(root);
    assert.deepEqual(acl, [{ perms: Perms.ALL, id: { scheme: "digest", id: digest("alice:secret") } }]);

    await assert.rejects(stranger.getData(root), NoAuthError);
    await assert.rejects(stranger.setData(root, "x"), NoAuthError);
    await assert.rejects(stranger.create(`${root}/kid`), NoAuthError);
    await assert.rejects(stranger.getChildren(root), NoAuthError);
    // exists is not asserted: 3.8.0 (Debian) answers it without READ, 3.8.6 checks READ (PROTOCOL.md §7.9).

    await stranger.addAuth("digest", "alice:secret");
    assert.equal((await stranger.getData(root)).data?.toString(), "private");
    const who = await stranger.whoAmI();
    assert.ok(
      who.some((w) => w.authScheme === "digest" && w.user === "alice"),
      JSON.stringify(who),
    );
  });

  test("a read-only ACL refuses writes and deletes of children", async () => {
    const c = await client(backend());
    const root = uniqueRoot("readonly");
    await c.create(root, "r", { acl: READ_ACL_UNSAFE });
    assert.equal((await c.getData(root)).data?.toString(), "r");
    await assert.rejects(c.setData(root, "w"), NoAuthError);
    await assert.rejects(c.create(`${root}/kid`), NoAuthError);
    await assert.rejects(c.setACL(root, READ_ACL_UNSAFE), NoAuthError);
  });

  test("credentials given in options are sent before the first request", async () => {
    const owner = await client(backend(), { auth: [{ scheme: "digest", auth: "bob:pw" }] });
    const root = uniqueRoot("optauth");
    await owner.create(root, "b", { acl: CREATOR_ALL_ACL });
    assert.equal((await owner.getData(root)).data?.toString(), "b");
  });
});
