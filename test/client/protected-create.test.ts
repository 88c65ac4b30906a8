/**
 * Protected creates: a create whose reply is lost with the connection (the server applied it) is
 * retried by looking for the node it made, so exactly one node exists and the call resolves to it.
 * A protected create that gives up while its outcome is unknown deletes its node in the background.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ConnectionLossError,
  CreateMode,
  InvalidArgumentError,
  OperationTimeoutError,
  ZooKeeperClient,
  type StateEvent,
} from "../../src/client/index.js";
import { SILENT_LOGGER } from "../../src/client/options.js";
import { deleteInBackground, protectedPath } from "../../src/client/protected.js";
import { OpCode } from "../../src/protocol/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { startReplyProxy } from "./reply-proxy.js";
import type { WatchEvent } from "../../src/client/index.js";

test("protectedPath puts _c_<id>- before the last segment", () => {
  assert.deepEqual(protectedPath("/a/b/job-", "ID"), {
    parent: "/a/b",
    prefix: "_c_ID-",
    path: "/a/b/_c_ID-job-",
  });
  assert.deepEqual(protectedPath("/x", "ID"), { parent: "/", prefix: "_c_ID-", path: "/_c_ID-x" });
});

test("the background cleanup backs off between failures instead of flooding the server, then deletes", async () => {
  // Regression: the cleanup once inherited the caller's spent deadline, so every request timed out
  // at once and it looped without pause (a request storm that never saw a reply).
  let lists = 0;
  let failuresLeft = 4;
  const deleted: string[] = [];
  const done = deleteInBackground(
    {
      getChildren: () => {
        lists++;
        if (failuresLeft-- > 0) return Promise.reject(new ConnectionLossError());
        return Promise.resolve(["other", "_c_ID-job-0000000003"]);
      },
      delete: (p) => (deleted.push(p), Promise.resolve()),
    },
    SILENT_LOGGER,
    "/jobs",
    "_c_ID-",
  );
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.ok(lists <= 3, `${lists} lists in 120 ms: no backoff`);
  await done;
  assert.equal(lists, 5);
  assert.deepEqual(deleted, ["/jobs/_c_ID-job-0000000003"]);
});

forEachBackend("protected create", (backend) => {
  for (const [label, mode] of [
    ["ephemeral sequential", CreateMode.EPHEMERAL_SEQUENTIAL],
    ["persistent sequential", CreateMode.PERSISTENT_SEQUENTIAL],
  ] as const) {
    test(`a ${label} create whose reply is lost leaves exactly one node and resolves to it`, async () => {
      const proxy = await startReplyProxy(backend().host, backend().port);
      const c = new ZooKeeperClient({
        connectString: proxy.connectString,
        sessionTimeout: 4000,
        reconnectDelay: 20,
      });
      try {
        await c.connect();
        const root = uniqueRoot("protected");
        await c.create(root);
        const seen: StateEvent["type"][] = [];
        c.on("state", (e) => seen.push(e.type));
        const intercepted = proxy.arm(
          (r) => r.op === OpCode.create && (r.path?.includes("/_c_") ?? false),
          "cut",
        );
        const created = c.create(`${root}/job-`, "x", { mode, protected: true });
        await intercepted;
        const path = await created;
        const children = await c.getChildren(root);
        assert.equal(children.length, 1, `children: ${children.join(", ")}`);
        assert.equal(path, `${root}/${children[0] ?? ""}`);
        assert.match(children[0] ?? "", /^_c_[0-9a-f-]{36}-job-\d{10}$/);
        assert.deepEqual(seen, ["suspended", "reconnected"]);
        if (mode === CreateMode.PERSISTENT_SEQUENTIAL) await c.delete(path);
      } finally {
        await c.close();
        await proxy.close();
      }
    });
  }

  test("a protected create that gives up (timeout) deletes the node it made once the server answers", async () => {
    const proxy = await startReplyProxy(backend().host, backend().port);
    const c = new ZooKeeperClient({ connectString: proxy.connectString, sessionTimeout: 6000 });
    const observer = new ZooKeeperClient({ connectString: backend().connectString });
    try {
      await c.connect();
      await observer.connect();
      const root = uniqueRoot("protected-gives-up");
      await c.create(root);
      // The server applies the create, but its reply (and every later one) is held: the call's
      // 200 ms pass with the outcome unknown, so it rejects, leaving a node nobody knows the name of.
      const held = proxy.arm((r) => r.op === OpCode.create && (r.path?.includes("/_c_") ?? false), "hold");
      const created = c.create(`${root}/job-`, "x", {
        mode: CreateMode.PERSISTENT_SEQUENTIAL,
        protected: true,
        timeout: 200,
      });
      await held;
      await assert.rejects(created, OperationTimeoutError);
      const orphan = await observer.getChildren(root);
      assert.equal(orphan.length, 1);
      assert.match(orphan[0] ?? "", /^_c_[0-9a-f-]{36}-job-\d{10}$/);

      const changed = new Promise<WatchEvent>(
        (resolve) => void observer.getChildren(root, { watch: resolve }),
      );
      await observer.sync(root);
      proxy.release(); // the background cleanup's getChildren is answered now, and it deletes the node
      assert.deepEqual(await changed, { type: "NodeChildrenChanged", path: root });
      assert.deepEqual(await observer.getChildren(root), []);
      assert.equal(c.state, "connected");
    } finally {
      await c.close();
      await observer.close();
      await proxy.close();
    }
  });

  test("protected is refused where it cannot be honoured (create2, transactions)", async () => {
    const c = new ZooKeeperClient({ connectString: backend().connectString });
    try {
      await c.connect();
      await assert.rejects(c.create2("/x", null, { protected: true }), InvalidArgumentError);
      await assert.rejects(
        c.transaction().create("/x", null, { protected: true }).commit(),
        InvalidArgumentError,
      );
    } finally {
      await c.close();
    }
  });
});
