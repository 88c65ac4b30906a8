/**
 * Protected creates: a create whose reply is lost with the connection (the server applied it) is
 * retried by looking for the node it made, so exactly one node exists and the call resolves to it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CreateMode,
  InvalidArgumentError,
  ZooKeeperClient,
  type StateEvent,
} from "../../src/client/index.js";
import { protectedPath } from "../../src/client/protected.js";
import { OpCode } from "../../src/protocol/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { startReplyProxy } from "./reply-proxy.js";

test("protectedPath puts _c_<id>- before the last segment", () => {
  assert.deepEqual(protectedPath("/a/b/job-", "ID"), {
    parent: "/a/b",
    prefix: "_c_ID-",
    path: "/a/b/_c_ID-job-",
  });
  assert.deepEqual(protectedPath("/x", "ID"), { parent: "/", prefix: "_c_ID-", path: "/_c_ID-x" });
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
