/**
 * A reply longer than the client's frame limit (maxFrameSize, jute.maxbuffer) fails alone: its bytes
 * are skipped, that request rejects with MarshallingError, and the connection and every other request
 * go on. (Apache ZooKeeper sends such a reply; dropping the connection for it made a batched read of
 * large tasks fail over and over.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MarshallingError, ZooKeeperClient } from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";

forEachBackend("client: a reply over the frame limit", (backend) => {
  test("fails alone with MarshallingError; the connection and other requests go on", async () => {
    const writer = new ZooKeeperClient({ connectString: backend().connectString });
    const c = new ZooKeeperClient({ connectString: backend().connectString, maxFrameSize: 4096 });
    try {
      await writer.connect();
      await c.connect();
      const states: string[] = [];
      c.on("state", (e) => states.push(e.type));
      const root = uniqueRoot("oversized");
      await writer.create(root);
      await writer.create(`${root}/big`, Buffer.alloc(50_000, 7));
      await writer.create(`${root}/small`, "s");
      // Pipelined: a small read before and after the oversized one, all in flight together.
      const [before, big, after] = await Promise.allSettled([
        c.getData(`${root}/small`),
        c.getData(`${root}/big`),
        c.getData(`${root}/small`),
      ]);
      assert.equal(before.status === "fulfilled" && before.value.data?.toString(), "s");
      assert.equal(big.status, "rejected");
      assert.ok(big.reason instanceof MarshallingError, String(big.reason));
      assert.match(String((big.reason as Error).cause), /50\d{3} bytes is over the client's frame limit/);
      assert.equal(after.status === "fulfilled" && after.value.data?.toString(), "s");
      assert.deepEqual((await c.getChildren(root)).sort(), ["big", "small"]);
      assert.deepEqual(states, []);
      assert.equal(c.state, "connected");
    } finally {
      await c.close();
      await writer.close();
    }
  });
});
