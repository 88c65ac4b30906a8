/** Connection limits: per-address cap, backpressure instead of unbounded buffering, handshake deadline. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OpCode, records } from "../../src/protocol/index.js";
import { startServer } from "../../src/server/index.js";
import { OPEN, RawClient } from "./raw-client.js";

test("maxClientCnxns: connections beyond the limit from one address are closed; others keep working", async () => {
  await using server = await startServer({ port: 0, tickTime: 50, maxClientCnxns: 2 });
  const a = await RawClient.connect(server.port);
  const b = await RawClient.connect(server.port);
  const extra = await RawClient.open(server.port);
  await extra.closedPromise;
  assert.equal((await a.create("/cap")).err, 0);
  await b.close();
  // A freed slot can be used again, once the server has noticed the close.
  while (server.stats().connections > 1) await new Promise((resolve) => setImmediate(resolve));
  const c = await RawClient.connect(server.port);
  assert.ok(c.timeOut > 0);
  await Promise.all([a.close(), c.close()]);
});

test("a client that does not read its replies makes the server stop reading, not buffer without bound", async () => {
  await using server = await startServer({ port: 0, tickTime: 50 });
  const setup = await RawClient.connect(server.port);
  const data = Buffer.alloc(60_000, 7);
  assert.equal(
    (
      await setup.call(
        OpCode.create,
        records.CreateRequest,
        { path: "/big", data, acl: OPEN, flags: 0 },
        null,
      )
    ).err,
    0,
  );
  const c = await RawClient.connect(server.port);
  c.socket.pause(); // stop reading replies
  const N = 3000; // ~180 MB of replies if the server buffered them all
  const frames = Array.from({ length: N }, () =>
    c.frame(OpCode.getData, records.PathWatchRequest, { path: "/big", watch: false }),
  );
  c.send(Buffer.concat(frames));
  const before = server.stats().packetsReceived;
  // Wait until the server has stalled: its received count stops moving well below N.
  let last = -1;
  for (let i = 0; i < 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = server.stats().packetsReceived;
    if (now === last && now > before) break;
    last = now;
  }
  const processed = server.stats().packetsReceived - before;
  assert.ok(
    processed < N / 2,
    `server processed ${processed} of ${N} requests while the client was not reading`,
  );
  assert.ok(process.memoryUsage().rss < 1.5e9);
  // Another session is unaffected meanwhile.
  assert.equal((await setup.exists("/big")).err, 0);
  c.socket.resume();
  for (let i = 0; i < N; i++) {
    const r = await c.reply(records.GetDataResponse);
    assert.equal(r.err, 0);
    assert.equal(r.body?.data?.length, data.length);
  }
  await Promise.all([setup.close(), c.close()]);
});

test("maxOutstandingRequests with fsync waits: pipelined writes all succeed, in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "overseer-limits-"));
  try {
    await using server = await startServer({
      port: 0,
      tickTime: 50,
      dataDir: dir,
      maxOutstandingRequests: 8,
    });
    const c = await RawClient.connect(server.port);
    const N = 300;
    const frames = Array.from({ length: N }, (_, i) =>
      c.frame(
        OpCode.create,
        records.CreateRequest,
        { path: `/o${i}`, data: null, acl: OPEN, flags: 0 },
        i + 100,
      ),
    );
    c.send(Buffer.concat(frames));
    for (let i = 0; i < N; i++) {
      const r = await c.reply(records.CreateResponse);
      assert.equal(r.xid, i + 100);
      assert.equal(r.body?.path, `/o${i}`);
    }
    assert.ok(server.stats().outstandingRequests === 0);
    await c.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a connection that never completes the handshake is closed after maxSessionTimeout", async () => {
  await using server = await startServer({ port: 0, tickTime: 20, maxSessionTimeout: 150 });
  const silent = await RawClient.open(server.port);
  const t0 = Date.now();
  await silent.closedPromise;
  assert.ok(Date.now() - t0 < 2000);
});
