/**
 * requestTimeout: a request without a reply fails with a retriable OperationTimeoutError, its late
 * reply is still consumed (FIFO matching of later requests stays right, the connection stays up),
 * and a request waiting for a reconnect times out too. A per-call `{ timeout }` overrides it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  InvalidArgumentError,
  OperationTimeoutError,
  ZooKeeperClient,
  type StateEvent,
} from "../../src/client/index.js";
import { OpCode } from "../../src/protocol/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { startPausableProxy } from "./pausable-proxy.js";
import { startReplyProxy } from "./reply-proxy.js";

const REQUEST_TIMEOUT = 150;

forEachBackend("request timeout", (backend) => {
  test("a reply that comes too late: OperationTimeoutError, then consumed in order", async () => {
    const proxy = await startReplyProxy(backend().host, backend().port);
    const c = new ZooKeeperClient({
      connectString: proxy.connectString,
      sessionTimeout: 6000,
      requestTimeout: REQUEST_TIMEOUT,
    });
    try {
      await c.connect();
      const root = uniqueRoot("timeout");
      await c.create(root, "root-data");
      await c.create(`${root}/other`, "other-data");
      const seen: StateEvent["type"][] = [];
      c.on("state", (e) => seen.push(e.type));

      const held = proxy.arm((r) => r.op === OpCode.getData && r.path === root, "hold");
      const slow = c.getData(root);
      await held;
      const err = await slow.then(
        () => assert.fail("expected a timeout"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof OperationTimeoutError, String(err));
      assert.equal(err.retriable, true);

      proxy.release(); // the late reply arrives now and must be matched to the timed-out request
      const other = await c.getData(`${root}/other`);
      assert.equal(other.data?.toString(), "other-data");
      assert.equal((await c.getData(root)).data?.toString(), "root-data");
      assert.deepEqual(seen, [], "the connection stayed up");
      assert.equal(c.state, "connected");
    } finally {
      await c.close();
      await proxy.close();
    }
  });

  test("a request waiting for a reconnect times out; later ones go through after it", async () => {
    const proxy = await startPausableProxy(backend().host, backend().port);
    const c = new ZooKeeperClient({
      connectString: proxy.connectString,
      sessionTimeout: 6000,
      reconnectDelay: 20,
      requestTimeout: REQUEST_TIMEOUT,
    });
    try {
      await c.connect();
      const suspended = new Promise<void>((resolve) =>
        c.on("state", (e) => e.type === "suspended" && resolve()),
      );
      proxy.block();
      proxy.cut();
      await suspended;
      await assert.rejects(c.exists("/"), OperationTimeoutError);
      const reconnected = new Promise<void>((resolve) =>
        c.on("state", (e) => e.type === "reconnected" && resolve()),
      );
      proxy.unblock();
      await reconnected;
      assert.notEqual(await c.exists("/"), null);
    } finally {
      await c.close();
      await proxy.close();
    }
  });

  test("a per-call timeout overrides requestTimeout, both ways", async () => {
    const proxy = await startReplyProxy(backend().host, backend().port);
    const c = new ZooKeeperClient({
      connectString: proxy.connectString,
      sessionTimeout: 6000,
      requestTimeout: REQUEST_TIMEOUT,
    });
    try {
      await c.connect();
      const root = uniqueRoot("per-call");
      await c.create(root, "r");
      const held = proxy.arm((r) => r.op === OpCode.getData && r.path === root, "hold");
      const unlimited = c.getData(root, { timeout: 0 }); // waits for the reply, however late
      await held;
      const short = c.exists(root, { timeout: 20 });
      const byDefault = c.getChildren(root);
      const err = await short.then(
        () => assert.fail("expected a timeout"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof OperationTimeoutError, String(err));
      assert.match(err.message, /within timeout \(20 ms\)/);
      await assert.rejects(byDefault, /within requestTimeout \(150 ms\)/);
      proxy.release();
      assert.equal((await unlimited).data?.toString(), "r");
      await assert.rejects(c.getData(root, { timeout: -1 }), InvalidArgumentError);
      await assert.rejects(c.delete(root, -1, { timeout: 1.5 }), InvalidArgumentError);
      await c.delete(root, -1, { timeout: 5000 });
    } finally {
      await c.close();
      await proxy.close();
    }
  });
});
