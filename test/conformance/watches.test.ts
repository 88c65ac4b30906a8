/** Conformance: one-shot watches, wire order, fan-out, persistent and recursive watches (PROTOCOL.md §6). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { NoWatcherError, type WatchEvent } from "../../src/client/index.js";
import { OpCode } from "../../src/protocol/index.js";
import { forEachBackend, uniqueRoot, type Backend } from "../harness/backends.js";
import { dropConnection } from "../harness/session-control.js";
import { startTcpProxy, type ProxiedFrame } from "../harness/tcp-proxy.js";
import { client, watcher } from "./helpers.js";

const xidOf = (f: ProxiedFrame): number => f.bytes.readInt32BE(4);
const typeOf = (f: ProxiedFrame): number => (f.bytes.length >= 12 ? f.bytes.readInt32BE(8) : NaN);

/** Positions, among `connection`'s server→client frames, of notifications and of the reply to the request of `op`. */
function wireOrder(
  frames: readonly ProxiedFrame[],
  connection: number,
  op: number,
): { notifications: number[]; reply: number } {
  const request = frames.find(
    (f) => f.connection === connection && f.direction === "c2s" && typeOf(f) === op && xidOf(f) > 0,
  );
  assert.ok(request, `no request of op ${op} on connection ${connection}`);
  const s2c = frames.filter((f) => f.connection === connection && f.direction === "s2c");
  return {
    notifications: s2c.flatMap((f, i) => (xidOf(f) === -1 ? [i] : [])),
    reply: s2c.findIndex((f) => xidOf(f) === xidOf(request)),
  };
}

/** The next `n` events of a persistent watch, as "type path". */
async function nextEvents(it: AsyncIterator<WatchEvent>, n: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    assert.ok(!r.done, "the watch ended");
    seen.push(`${r.value.type} ${r.value.path}`);
  }
  return seen;
}

/** A fresh node (data "0") under a persistent watch of one client, and another client to change it. */
async function watchedNode(b: Backend, name: string, recursive: boolean) {
  const c = await client(b);
  const writer = await client(b);
  const root = uniqueRoot(name);
  await writer.create(root, "0");
  const watch = await c.addWatch(root, { recursive });
  return { c, writer, root, watch, it: watch[Symbol.asyncIterator]() };
}

forEachBackend("watches", (backend) => {
  test("exists/getData/getChildren watches fire NodeCreated, NodeDataChanged, NodeChildrenChanged, NodeDeleted", async () => {
    const c = await client(backend());
    const writer = await client(backend());
    const root = uniqueRoot("oneshot");
    const created = watcher();
    assert.equal(await c.exists(root, { watch: created.watch }), null);
    await writer.create(root, "a");
    assert.deepEqual(await created.event, { type: "NodeCreated", path: root });

    const changed = watcher();
    const children = watcher();
    await c.getData(root, { watch: changed.watch });
    await c.getChildren(root, { watch: children.watch });
    await writer.setData(root, "b");
    assert.deepEqual(await changed.event, { type: "NodeDataChanged", path: root });
    await writer.create(`${root}/kid`);
    assert.deepEqual(await children.event, { type: "NodeChildrenChanged", path: root });

    const deleted = watcher();
    await c.getData(`${root}/kid`, { watch: deleted.watch });
    await writer.delete(`${root}/kid`);
    assert.deepEqual(await deleted.event, { type: "NodeDeleted", path: `${root}/kid` });
  });

  test("one-shot: a watch fires once, later changes are not reported", async () => {
    const c = await client(backend());
    const root = uniqueRoot("once");
    await c.create(root);
    const w = watcher();
    await c.getData(root, { watch: w.watch });
    await c.setData(root, "1");
    await c.setData(root, "2");
    // The notification precedes the write's reply (PROTOCOL.md §6.4): after the replies the count is final.
    assert.equal(w.events.length, 1);
  });

  test("the writer's own notification arrives before its write reply (PROTOCOL.md §6.4)", async () => {
    const proxy = await startTcpProxy(backend().port);
    try {
      const c = await client(backend(), { connectString: proxy.connectString });
      const root = uniqueRoot("order-self");
      await c.create(root);
      const w = watcher();
      await c.getData(root, { watch: w.watch });
      await c.setData(root, "x");
      assert.equal(w.events.length, 1, "event delivered by the time setData resolves");
      const order = wireOrder(proxy.frames, 0, OpCode.setData);
      assert.equal(order.notifications.length, 1);
      assert.ok((order.notifications[0] ?? Infinity) < order.reply, JSON.stringify(order));
      await c.close();
    } finally {
      await proxy.close();
    }
  });

  test("another client's notification arrives before its next reply", async () => {
    const proxy = await startTcpProxy(backend().port);
    try {
      const watching = await client(backend(), { connectString: proxy.connectString });
      const writer = await client(backend());
      const root = uniqueRoot("order-other");
      await writer.create(root);
      const w = watcher();
      await watching.exists(root, { watch: w.watch });
      await writer.setData(root, "x");
      await watching.sync(root);
      assert.equal(w.events.length, 1);
      const order = wireOrder(proxy.frames, 0, OpCode.sync);
      assert.ok((order.notifications[0] ?? Infinity) < order.reply, JSON.stringify(order));
      await watching.close();
    } finally {
      await proxy.close();
    }
  });

  test("delete sends one NodeDeleted per connection; the client fans it out to data, exist and child watchers", async () => {
    const proxy = await startTcpProxy(backend().port);
    try {
      const c = await client(backend(), { connectString: proxy.connectString });
      const root = uniqueRoot("fanout");
      await c.create(root);
      const [d, e, ch, p] = [watcher(), watcher(), watcher(), watcher()];
      await c.getData(root, { watch: d.watch });
      await c.exists(root, { watch: e.watch });
      await c.getChildren(root, { watch: ch.watch });
      const before = proxy.frames.length;
      await c.delete(root);
      const notes = proxy.frames.slice(before).filter((f) => f.direction === "s2c" && xidOf(f) === -1);
      assert.equal(notes.length, 1, "one notification on the wire");
      for (const w of [d, e, ch]) assert.deepEqual(w.events, [{ type: "NodeDeleted", path: root }]);
      // A data change reaches data + exist watchers but not child watchers.
      await c.create(root);
      await c.exists(root, { watch: e.watch });
      await c.getChildren(root, { watch: p.watch });
      await c.setData(root, "x");
      assert.equal(e.events.length, 2);
      assert.equal(p.events.length, 0);
      await c.close();
    } finally {
      await proxy.close();
    }
  });

  test("exists on a missing node leaves a watch; getData on a missing node does not (PROTOCOL.md §6.2)", async () => {
    const c = await client(backend());
    const root = uniqueRoot("existwatch");
    const w = watcher();
    await assert.rejects(c.getData(root, { watch: w.watch }));
    await assert.rejects(c.checkWatches(root, "data"), NoWatcherError);
    await c.exists(root, { watch: w.watch });
    await c.checkWatches(root, "data");
    await c.create(root);
    assert.deepEqual(w.events, [{ type: "NodeCreated", path: root }]);
  });

  test("checkWatches and removeWatches: NOWATCHER when absent; removal stops events", async () => {
    const c = await client(backend());
    const root = uniqueRoot("removewatch");
    await c.create(root);
    await assert.rejects(c.checkWatches(root, "data"), NoWatcherError);
    await assert.rejects(c.removeWatches(root, "any"), NoWatcherError);
    const w = watcher();
    await c.getData(root, { watch: w.watch });
    await c.getChildren(root, { watch: w.watch });
    await c.checkWatches(root, "data");
    await c.checkWatches(root, "children");
    await c.removeWatches(root, "data");
    await assert.rejects(c.checkWatches(root, "data"), NoWatcherError);
    await c.checkWatches(root, "children");
    await c.setData(root, "x");
    await c.removeWatches(root, "children");
    await c.create(`${root}/kid`);
    assert.equal(w.events.length, 0);
  });

  test("removeWatcher: one watcher goes; the server's watch stays while another watcher needs it", async () => {
    const c = await client(backend());
    const root = uniqueRoot("removewatcher");
    const [a, b] = [watcher(), watcher()];
    assert.equal(await c.exists(root, { watch: a.watch }), null);
    assert.equal(await c.exists(root, { watch: b.watch }), null);
    assert.equal(await c.removeWatcher(root, a.watch), true);
    await c.checkWatches(root, "data"); // b still needs the server's watch
    assert.equal(await c.removeWatcher(root, a.watch), false, "not on the path any more");
    await c.create(root, "x");
    assert.equal((await b.event).type, "NodeCreated");
    assert.equal(a.events.length, 0, "the removed watcher is not called");
    // The last watcher of a kind takes the server's watch with it.
    const d = watcher();
    await c.getData(root, { watch: d.watch });
    assert.equal(await c.removeWatcher(root, d.watch), true);
    await assert.rejects(c.checkWatches(root, "data"), NoWatcherError);
    await c.setData(root, "y");
    await c.sync(root);
    assert.equal(d.events.length, 0);
  });

  test("persistent watch: every event on the path, not on grandchildren, until closed", async () => {
    const c = await client(backend());
    const writer = await client(backend());
    const root = uniqueRoot("persistent");
    const watch = await c.addWatch(root);
    const events: WatchEvent[] = [];
    const done = (async () => {
      for await (const ev of watch) events.push(ev);
    })();
    await writer.create(root);
    await writer.setData(root, "1");
    await writer.create(`${root}/kid`);
    await writer.create(`${root}/kid/grandkid`);
    await writer.setData(`${root}/kid`, "x");
    await writer.delete(`${root}/kid/grandkid`);
    await writer.delete(`${root}/kid`);
    await writer.setData(root, "2");
    await writer.delete(root);
    await c.sync("/");
    await c.checkWatches(root, "any");
    await watch.close();
    await done;
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.path}`),
      [
        `NodeCreated ${root}`,
        `NodeDataChanged ${root}`,
        `NodeChildrenChanged ${root}`,
        `NodeChildrenChanged ${root}`,
        `NodeDataChanged ${root}`,
        `NodeDeleted ${root}`,
      ],
    );
    await assert.rejects(
      c.checkWatches(root, "any"),
      NoWatcherError,
      "closing removes the server-side watch",
    );
  });

  test("recursive watch: events on the subtree, never NodeChildrenChanged (PROTOCOL.md §6.5)", async () => {
    const c = await client(backend());
    const root = uniqueRoot("recursive");
    const watch = await c.addWatch(root, { recursive: true });
    const it = watch[Symbol.asyncIterator]();
    await c.create(root);
    await c.create(`${root}/a`);
    await c.create(`${root}/a/b`);
    await c.setData(`${root}/a/b`, "x");
    await c.delete(`${root}/a/b`);
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await it.next();
      assert.ok(!r.done);
      seen.push(`${r.value.type} ${r.value.path}`);
    }
    assert.deepEqual(seen, [
      `NodeCreated ${root}`,
      `NodeCreated ${root}/a`,
      `NodeCreated ${root}/a/b`,
      `NodeDataChanged ${root}/a/b`,
      `NodeDeleted ${root}/a/b`,
    ]);
    await c.removeWatches(root, "any");
    assert.deepEqual(await it.next(), { value: undefined, done: true }, "removeWatches ends the iteration");
  });

  test("persistent watches' listeners (onEvent) get events in notification order, across watches", async () => {
    const c = await client(backend());
    const root = uniqueRoot("on-event");
    await c.create(root);
    const [a, b] = [`${root}/a`, `${root}/b`];
    const wa = await c.addWatch(a, { recursive: true });
    const wb = await c.addWatch(b, { recursive: true });
    const seen: string[] = [];
    const iterated: WatchEvent[] = [];
    const drains = [wa, wb].map(async (w) => {
      w.onEvent((ev) => seen.push(`${ev.type} ${ev.path}`));
      for await (const ev of w) iterated.push(ev);
    });
    // One multi: its notifications reach the client together, alternating between the two watches.
    await c.transaction().create(a).create(b).create(`${a}/1`).create(`${b}/1`).setData(a, "x").commit();
    await c.sync("/");
    const order = [`NodeCreated ${a}`, `NodeCreated ${b}`, `NodeCreated ${a}/1`, `NodeCreated ${b}/1`];
    assert.deepEqual(seen, [...order, `NodeDataChanged ${a}`]);
    await wa.close();
    await wb.close();
    await Promise.all(drains); // iteration ends with the watch…
    assert.deepEqual(iterated, []); // …and yields nothing while a listener takes the events
  });
  test("onEvent first hands over the events that arrived before it and were not iterated", async () => {
    const c = await client(backend());
    const root = uniqueRoot("on-event-late");
    await c.create(root);
    const w = await c.addWatch(root, { recursive: true });
    // No listener and no iterator yet: these wait in the watch (as events that come with addWatch's reply would).
    await c.create(`${root}/a`);
    await c.setData(root, "x");
    const seen: string[] = [];
    w.onEvent((ev) => seen.push(`${ev.type} ${ev.path}`));
    assert.deepEqual(
      seen,
      [`NodeCreated ${root}/a`, `NodeDataChanged ${root}`],
      "handed over at once, in order",
    );
    await c.delete(`${root}/a`);
    assert.deepEqual(seen.at(-1), `NodeDeleted ${root}/a`);
    const it = w[Symbol.asyncIterator]();
    const end = it.next();
    await w.close();
    assert.deepEqual(await end, { value: undefined, done: true }, "nothing left to iterate: the end only");
  });
  test(
    "a one-shot watch on the path of the same client's recursive watch leaves the recursive watch working (ZOOKEEPER-4466)",
    { timeout: 10_000 },
    async () => {
      const { c, writer, root, watch, it } = await watchedNode(backend(), "mixed-recursive", true);
      // Apache 3.8 keeps one watch mode per connection and path: sent to it, these would replace the recursive watch.
      const exist = watcher();
      const data = watcher();
      assert.notEqual(await c.exists(root, { watch: exist.watch }), null);
      await c.getData(root, { watch: data.watch });
      await writer.create(`${root}/a`);
      await writer.setData(root, "1");
      await writer.create(`${root}/a/b`);
      await writer.setData(root, "2");
      const seen = await nextEvents(it, 4);
      assert.deepEqual(seen, [
        `NodeCreated ${root}/a`,
        `NodeDataChanged ${root}`,
        `NodeCreated ${root}/a/b`,
        `NodeDataChanged ${root}`,
      ]);
      // The one-shots fired once each, for the first change of the node's data (not for the child).
      assert.deepEqual(exist.events, [{ type: "NodeDataChanged", path: root }]);
      assert.deepEqual(data.events, [{ type: "NodeDataChanged", path: root }]);
      await watch.close();
    },
  );

  test(
    "a one-shot child watch on the path of the same client's persistent watch leaves it working",
    { timeout: 10_000 },
    async () => {
      const { c, writer, root, watch, it } = await watchedNode(backend(), "mixed-persistent", false);
      const kids = watcher();
      const data = watcher();
      assert.deepEqual(await c.getChildren(root, { watch: kids.watch }), []);
      await c.getData(root, { watch: data.watch });
      await writer.create(`${root}/a`);
      await writer.setData(root, "1");
      await writer.create(`${root}/b`);
      await writer.setData(root, "2");
      const seen = await nextEvents(it, 4);
      assert.deepEqual(seen, [
        `NodeChildrenChanged ${root}`,
        `NodeDataChanged ${root}`,
        `NodeChildrenChanged ${root}`,
        `NodeDataChanged ${root}`,
      ]);
      assert.deepEqual(kids.events, [{ type: "NodeChildrenChanged", path: root }]);
      assert.deepEqual(data.events, [{ type: "NodeDataChanged", path: root }]);
      await watch.close();
    },
  );
  test(
    "after a reconnect (SetWatches), a one-shot watch on a recursive watch's path still leaves it working",
    { timeout: 10_000 },
    async () => {
      const { c, writer, root, watch, it } = await watchedNode(backend(), "mixed-reconnect", true);
      const data = watcher();
      await c.getData(root, { watch: data.watch });
      const back = new Promise<void>((resolve) =>
        c.on("state", (e) => e.type === "reconnected" && resolve()),
      );
      dropConnection(c);
      await back;
      // A round trip on the client's connection: its SetWatches (written before the reconnect was
      // reported) is processed before the writer's changes, which a persistent watch would otherwise miss.
      await c.exists(root);
      await writer.create(`${root}/a`);
      await writer.setData(root, "1");
      await writer.create(`${root}/b`);
      const seen = await nextEvents(it, 3);
      assert.deepEqual(seen, [`NodeCreated ${root}/a`, `NodeDataChanged ${root}`, `NodeCreated ${root}/b`]);
      assert.deepEqual(data.events, [{ type: "NodeDataChanged", path: root }]);
      await watch.close();
    },
  );
  test(
    "a closed persistent watch's server side stays for one-shot watches on its path, then goes",
    { timeout: 10_000 },
    async () => {
      const c = await client(backend());
      const writer = await client(backend());
      const root = uniqueRoot("orphan");
      await writer.create(root, "0");
      const watch = await c.addWatch(root);
      const data = watcher();
      await c.getData(root, { watch: data.watch });
      await watch.close();
      await c.checkWatches(root, "any"); // still there: it may be what delivers the one-shot's event
      await writer.setData(root, "1");
      assert.deepEqual(await data.event, { type: "NodeDataChanged", path: root });
      await assert.rejects(c.checkWatches(root, "any"), NoWatcherError, "removed once nothing needs it");
    },
  );

  test(
    "a persistent watch closed while a watched read on its path is in flight: the read's watch still fires",
    { timeout: 10_000 },
    async () => {
      const c = await client(backend());
      const writer = await client(backend());
      const root = uniqueRoot("inflight");
      await writer.create(root, "0");
      const watch = await c.addWatch(root);
      const data = watcher();
      // Written before the close's removeWatches, answered after it was written.
      const read = c.getData(root, { watch: data.watch });
      const closed = watch.close();
      await Promise.all([read, closed]);
      await writer.setData(root, "1");
      assert.deepEqual(await data.event, { type: "NodeDataChanged", path: root });
      await assert.rejects(c.checkWatches(root, "any"), NoWatcherError);
    },
  );
  test(
    "a one-shot watch asked for while the same client's addWatch is in flight leaves the recursive watch working",
    { timeout: 10_000 },
    async () => {
      const c = await client(backend());
      const writer = await client(backend());
      const root = uniqueRoot("mixed-inflight");
      await writer.create(root, "0");
      // Both written in one go: the exists reaches the server after the addWatch, before its answer.
      const adding = c.addWatch(root, { recursive: true });
      const exist = watcher();
      const stat = c.exists(root, { watch: exist.watch });
      const watch = await adding;
      assert.notEqual(await stat, null);
      await writer.create(`${root}/a`);
      await writer.setData(root, "1");
      assert.deepEqual(await nextEvents(watch[Symbol.asyncIterator](), 2), [
        `NodeCreated ${root}/a`,
        `NodeDataChanged ${root}`,
      ]);
      assert.deepEqual(exist.events, [{ type: "NodeDataChanged", path: root }]);
      await watch.close();
    },
  );
});
