/** A dashboard on a root its identity may not read fails at start with NoAuth instead of retrying for ever. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CREATOR_ALL_ACL, NoAuthError, ZooKeeperClient } from "../../src/client/index.js";
import { ZkClusterSource } from "../../src/dashboard/index.js";
import { startServer } from "../../src/server/index.js";

test("ZkClusterSource.start rejects with NoAuthError on a root it cannot read", async (t) => {
  const server = await startServer({ port: 0 });
  t.after(() => server.close());
  const owner = new ZooKeeperClient({ connectString: server.connectString, sessionTimeout: 4000 });
  const eve = new ZooKeeperClient({ connectString: server.connectString, sessionTimeout: 4000 });
  t.after(() => Promise.all([owner.close(), eve.close()]));
  await owner.connect();
  await eve.connect();
  await owner.addAuth("digest", "bob:secret");
  await owner.create("/private", null, { acl: CREATOR_ALL_ACL });
  const denied = new ZkClusterSource({ client: eve, root: "/private" });
  await assert.rejects(denied.start(), NoAuthError);
  await denied.close();
  const allowed = new ZkClusterSource({ client: owner, root: "/private" });
  await allowed.start();
  assert.equal(allowed.overview().workers.length, 0);
  await allowed.close();
});
