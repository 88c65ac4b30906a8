/**
 * overseer's protocol extension (protocol/extensions.ts, PROTOCOL.md §10): watch events that carry the
 * node's data and Stat. On the embedded server they hold exactly what a getData right after the event
 * returns; Apache ZooKeeper ignores the request and sends plain events; clients that do not ask get
 * plain frames, byte for byte.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { WatchEvent } from "../../src/client/index.js";
import { EVENT_DATA_LIMIT } from "../../src/protocol/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { startTcpProxy } from "../harness/tcp-proxy.js";
import { client as plainClient, watcher } from "./helpers.js";

/** A client that asks for events with data (the default outside this suite's plain helper). */
const client: typeof plainClient = (b, opts = {}) => plainClient(b, { eventData: true, ...opts });

async function next(it: AsyncIterator<WatchEvent>): Promise<WatchEvent> {
  const r = await it.next();
  assert.ok(!r.done, "the watch ended");
  return r.value;
}

forEachBackend("events with data", (backend) => {
  test("NodeCreated carries what getData returns (embedded), NodeDataChanged never; Apache sends plain events", async () => {
    const b = backend();
    const c = await client(b);
    const writer = await client(b);
    const root = uniqueRoot("event-data");
    await writer.create(root);
    assert.equal(c.eventsCarryData, b.name === "embedded", "the ConnectResponse says what the server grants");
    const watch = await c.addWatch(root, { recursive: true });
    const it = watch[Symbol.asyncIterator]();

    await writer.create(`${root}/a`, "first");
    const created = await next(it);
    await writer.setData(`${root}/a`, "second");
    const changed = await next(it);
    await writer.create(`${root}/empty`, null);
    const empty = await next(it);
    await writer.delete(`${root}/empty`);
    const deleted = await next(it);
    const now = await c.getData(`${root}/a`);

    assert.equal(created.type, "NodeCreated");
    assert.equal(changed.type, "NodeDataChanged");
    assert.equal(deleted.type, "NodeDeleted");
    assert.equal("data" in deleted || "stat" in deleted, false, "a NodeDeleted event never carries data");
    if (b.name === "apache") {
      for (const e of [created, changed, empty])
        assert.equal("data" in e || "stat" in e, false, `plain event from Apache: ${JSON.stringify(e)}`);
      return;
    }
    assert.equal(created.data?.toString(), "first");
    assert.equal(created.stat?.version, 0);
    assert.equal(created.stat?.dataLength, 5);
    assert.equal(
      "data" in changed || "stat" in changed,
      false,
      "a change is told without data (PROTOCOL.md §10)",
    );
    assert.equal(now.data?.toString(), "second");
    assert.equal(empty.data, null, "null data stays null");
    assert.equal(empty.stat?.dataLength, 0);
    await watch.close();
  });

  test("a one-shot exists watch's NodeCreated carries the data too (embedded)", async () => {
    const b = backend();
    const c = await client(b);
    const root = uniqueRoot("event-data-exists");
    const w = watcher();
    assert.equal(await c.exists(root, { watch: w.watch }), null);
    await c.create(root, "hello");
    const e = await w.event;
    assert.equal(e.type, "NodeCreated");
    if (b.name === "apache") assert.equal(e.data, undefined);
    else assert.equal(e.data?.toString(), "hello");
  });

  test("events of a multi show each node as the whole multi left it, in the multi's order", async () => {
    const b = backend();
    const c = await client(b);
    const writer = await client(b);
    const root = uniqueRoot("event-data-multi");
    await writer.create(root);
    const watch = await c.addWatch(root, { recursive: true });
    const it = watch[Symbol.asyncIterator]();
    // The node is created, changed and given a child in one multi: no client could read "v0" or a
    // childless Stat, so no event may show them.
    await writer
      .transaction()
      .create(`${root}/n`, "v0")
      .setData(`${root}/n`, "v1")
      .create(`${root}/n/kid`, "k")
      .commit();
    const seen = [await next(it), await next(it), await next(it)];
    assert.deepEqual(
      seen.map((e) => `${e.type} ${e.path}`),
      [`NodeCreated ${root}/n`, `NodeDataChanged ${root}/n`, `NodeCreated ${root}/n/kid`],
    );
    const after = await c.getData(`${root}/n`);
    if (b.name === "embedded") {
      const [created, changed, kid] = seen;
      assert.equal(created?.data?.toString(), "v1");
      assert.deepEqual(created?.stat, after.stat);
      assert.equal(created?.stat?.numChildren, 1);
      assert.equal(changed?.stat, undefined, "a change is told without data");
      assert.equal(kid?.data?.toString(), "k");
    } else for (const e of seen) assert.equal(e.stat, undefined);
    await watch.close();
  });

  test("a node larger than the limit gets a plain event (read it as before)", async () => {
    const b = backend();
    const c = await client(b);
    const root = uniqueRoot("event-data-big");
    await c.create(root);
    const w = watcher();
    assert.equal(await c.exists(`${root}/big`, { watch: w.watch }), null);
    await c.create(`${root}/big`, Buffer.alloc(EVENT_DATA_LIMIT + 1, 7));
    const e = await w.event;
    assert.equal(e.type, "NodeCreated");
    assert.equal("data" in e || "stat" in e, false);
    // At the limit exactly, it still carries them.
    const w2 = watcher();
    assert.equal(await c.exists(`${root}/limit`, { watch: w2.watch }), null);
    await c.create(`${root}/limit`, Buffer.alloc(EVENT_DATA_LIMIT, 8));
    const e2 = await w2.event;
    if (b.name === "embedded") assert.equal(e2.data?.length, EVENT_DATA_LIMIT);
    else assert.equal(e2.data, undefined);
  });

  test("a client with eventData off gets plain notification frames, byte for byte", async () => {
    const b = backend();
    const proxy = await startTcpProxy(b.port);
    try {
      const c = await client(b, { connectString: proxy.connectString, eventData: false });
      assert.equal(c.eventsCarryData, false);
      const root = uniqueRoot("event-data-off");
      const w = watcher();
      assert.equal(await c.exists(root, { watch: w.watch }), null);
      await c.create(root, "payload");
      assert.deepEqual(await w.event, { type: "NodeCreated", path: root });
      const handshake = proxy.frames.find((f) => f.connection === 0 && f.direction === "c2s");
      // length, protocolVersion, lastZxidSeen, timeOut, sessionId, passwd (4 + 16), readOnly: nothing after.
      assert.equal(handshake?.bytes.length, 4 + 4 + 8 + 4 + 8 + 4 + 16 + 1);
      const reply = proxy.frames.find((f) => f.connection === 0 && f.direction === "s2c");
      // length, protocolVersion, timeOut, sessionId, passwd (4 + 16), readOnly: nothing after.
      assert.equal(reply?.bytes.length, 4 + 4 + 4 + 8 + 4 + 16 + 1);
      const note = proxy.frames.find(
        (f) =>
          f.connection === 0 && f.direction === "s2c" && f.bytes.length >= 8 && f.bytes.readInt32BE(4) === -1,
      );
      // length, xid, zxid, err, type, state, path (length + bytes): nothing after.
      assert.equal(note?.bytes.length, 4 + 4 + 8 + 4 + 4 + 4 + 4 + Buffer.byteLength(root));
      await c.close();
    } finally {
      await proxy.close();
    }
  });
});
