/**
 * Waiting handles of one submitter share one session listener (SessionWaits): an aborted wait ends
 * alone with its signal's reason, the others keep waiting and still get their outcomes; closing the
 * client ends every wait still on with SessionExpiredError — both servers. A lone wait takes its outcome
 * from the status node's event when the server's events carry data, and leaves no watch behind.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { NoWatcherError, SessionExpiredError, type ZooKeeperClient } from "../../src/client/index.js";
import { OpCode } from "../../src/protocol/index.js";
import { Master, Submitter, TaskNotFoundError, Worker } from "../../src/tasks/index.js";
import { startTcpProxy, type ProxiedFrame } from "../harness/tcp-proxy.js";
import { cleanup, client } from "./helpers.js";

/** A master and a worker whose handler returns the task's id; the worker is returned. */
async function runTasks(zk: ZooKeeperClient, root: string): Promise<Worker> {
  const master = new Master(zk, { root });
  cleanup(() => master.close());
  await master.start();
  const w = new Worker(zk, { t: (ctx) => ctx.id }, { root, id: "w" });
  cleanup(() => w.close());
  await w.start();
  return w;
}

forEachBackend("tasks: waiting handles", (backend) => {
  test("an abort ends one wait; the rest get their outcomes; a closed client ends the rest", async () => {
    const root = uniqueRoot("waits");
    const zk = await client(backend());
    await zk.create(root, null);
    const subClient = await client(backend());
    const sub = new Submitter(subClient, { root });
    const hs = await sub.submitMany(Array.from({ length: 5 }, () => ({ type: "t" })));
    const aborter = new AbortController();
    const aborted = hs[0]?.result({ signal: aborter.signal });
    const others = hs.slice(1, 3).map((h) => h.result());
    aborter.abort(new Error("enough"));
    await assert.rejects(aborted ?? Promise.resolve(), /enough/);

    const w = await runTasks(zk, root);
    assert.deepEqual(
      await Promise.all(others),
      hs.slice(1, 3).map((h) => h.id),
    );
    await w.close();

    // Tasks nobody will run now: their waits end when the submitter's client closes.
    const more = await sub.submitMany(Array.from({ length: 3 }, () => ({ type: "t" })));
    const waiting = more.map((h) => h.result());
    await new Promise((r) => setTimeout(r, 100));
    await subClient.close();
    for (const p of waiting) await assert.rejects(p, SessionExpiredError);
  });
});

/** The submitter connection's reads (getData, multiRead) that name `path`. */
function readsOf(frames: readonly ProxiedFrame[], path: string): number {
  return frames.filter((f) => {
    if (f.direction !== "c2s" || f.bytes.length < 12) return false;
    const op = f.bytes.readInt32BE(8);
    return (op === OpCode.getData || op === OpCode.multiRead) && f.bytes.includes(path);
  }).length;
}

forEachBackend("tasks: a lone wait's status watch", (backend) => {
  test("the outcome comes with the status event (embedded) or is read (Apache); no status watch stays behind", async () => {
    const root = uniqueRoot("swatch");
    const zk = await client(backend());
    await zk.create(root, null);
    const proxy = await startTcpProxy(backend().port);
    cleanup(() => proxy.close());
    const subClient = await client(proxy);
    assert.equal(subClient.eventsCarryData, backend().name === "embedded");
    const sub = new Submitter(subClient, { root });
    await runTasks(zk, root);

    const h = await sub.submit("t", null, { id: "lone" });
    assert.equal(await h.result(), "lone");
    const reads = readsOf(proxy.frames, "/t-lone/status");
    if (backend().name === "embedded") assert.equal(reads, 0, "the outcome came with the status event");
    else assert.ok(reads >= 1, `the outcome was read (${reads} reads)`);
    await assert.rejects(subClient.checkWatches(h.statusPath, "data"), NoWatcherError);
    // Waiting again on a finished task: the status is there, and no watch on it is left.
    assert.equal(await h.result(), "lone");
    await assert.rejects(subClient.checkWatches(h.statusPath, "data"), NoWatcherError);

    // A task deleted while waited on (as drain() does): TaskNotFoundError, and its status watch goes.
    const gone = await sub.submit("nobody-runs-this", null, { id: "gone" });
    // Its rejection is handled from the start: it may come while the delete's reply is still on its way.
    const waiting = assert.rejects(gone.result(), TaskNotFoundError);
    await zk.delete(gone.path);
    await waiting;
    await assert.rejects(subClient.checkWatches(gone.statusPath, "data"), NoWatcherError);
  });

  test("one wait stopped leaves the other waits' status watch on the same task", async () => {
    const root = uniqueRoot("swatch-two");
    const zk = await client(backend());
    await zk.create(root, null);
    const proxy = await startTcpProxy(backend().port);
    cleanup(() => proxy.close());
    const subClient = await client(proxy);
    const sub = new Submitter(subClient, { root });
    const h = await sub.submit("t", null, { id: "two" });
    const aborter = new AbortController();
    const stopped = h.result({ signal: aborter.signal });
    const kept = h.result();
    const embedded = backend().name === "embedded";
    // On the embedded server both waits' exists watches are on (each sends its own before its listing).
    await subClient.sync(h.statusPath);
    if (embedded) await subClient.checkWatches(h.statusPath, "data");
    aborter.abort(new Error("enough"));
    await assert.rejects(stopped, /enough/);
    // The kept wait's watch is still on the server.
    if (embedded) await subClient.checkWatches(h.statusPath, "data");
    await runTasks(zk, root);
    assert.equal(await kept, "two");
    const reads = readsOf(proxy.frames, "/t-two/status");
    if (embedded) assert.equal(reads, 0, "the kept wait's outcome came with the status event");
    else assert.ok(reads >= 1, `the outcome was read (${reads} reads)`);
  });
});
