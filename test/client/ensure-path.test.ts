/**
 * ensurePath: creates a node and its missing ancestors, leaves existing ones (and their data) alone,
 * and rides out a connection lost mid-way — both servers.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient, ensurePath } from "../../src/client/index.js";
import { OpCode } from "../../src/protocol/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { startReplyProxy } from "./reply-proxy.js";

forEachBackend("client: ensurePath", (backend) => {
  test("creates missing ancestors empty and the node with its data; existing nodes are kept", async () => {
    const c = new ZooKeeperClient({ connectString: backend().connectString, sessionTimeout: 4000 });
    try {
      await c.connect();
      const root = uniqueRoot("ensure");
      await ensurePath(c, `${root}/a/b/c`, "leaf");
      assert.equal((await c.getData(`${root}/a/b/c`)).data?.toString(), "leaf");
      assert.equal((await c.getData(`${root}/a/b`)).data, null);
      await c.setData(`${root}/a`, "mine");
      await ensurePath(c, `${root}/a/b/c`, "other");
      await ensurePath(c, `${root}/a`);
      assert.equal((await c.getData(`${root}/a/b/c`)).data?.toString(), "leaf", "existing data kept");
      assert.equal((await c.getData(`${root}/a`)).data?.toString(), "mine");
      await ensurePath(c, "/");
    } finally {
      await c.close();
    }
  });

  test("a connection cut after the server applied a create is retried and ends with the path", async () => {
    const proxy = await startReplyProxy(backend().host, backend().port);
    const c = new ZooKeeperClient({
      connectString: proxy.connectString,
      sessionTimeout: 4000,
      reconnectDelay: 20,
    });
    try {
      await c.connect();
      const root = uniqueRoot("ensure-cut");
      await c.create(root); // so the cut create of root/x is one the server applied
      const cut = proxy.arm((r) => r.op === OpCode.create && r.path === `${root}/x`, "cut");
      const done = ensurePath(c, `${root}/x/y`, "y");
      await cut;
      await done;
      assert.equal((await c.getData(`${root}/x/y`)).data?.toString(), "y");
      assert.deepEqual(await c.getChildren(`${root}/x`), ["y"]);
    } finally {
      await c.close();
      await proxy.close();
    }
  });
});
