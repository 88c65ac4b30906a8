/**
 * The client decodes replies in place from socket chunks; a proxy that re-cuts the server's byte
 * stream at random points (down to single bytes, with a turn of the event loop between pieces)
 * makes frames straddle chunks in every way. Pipelined results and watch events must not change.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { ZooKeeperClient, type WatchEvent } from "../../src/client/index.js";
import { startServer } from "../../src/server/index.js";
import { LOOPBACK } from "../harness/ports.js";

/** Forwards client→server as is and server→client in random pieces of 1–300 bytes. */
async function startRechunkingProxy(port: number): Promise<{ connectString: string; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, LOOPBACK);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    let queue = Promise.resolve();
    upstream.on("data", (chunk: Buffer) => {
      queue = queue.then(async () => {
        for (let off = 0; off < chunk.length;) {
          const n = 1 + Math.floor(Math.random() * (Math.random() < 0.5 ? 8 : 300));
          client.write(chunk.subarray(off, off + n));
          off += n;
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
    });
    const end = (): void => void (client.destroy(), upstream.destroy());
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const addr = server.address() as net.AddressInfo;
  return {
    connectString: `${LOOPBACK}:${addr.port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

test("replies cut at random points decode the same, pipelined and with watches", async () => {
  await using server = await startServer({ port: 0 });
  const proxy = await startRechunkingProxy(server.port);
  const c = new ZooKeeperClient({ connectString: proxy.connectString, sessionTimeout: 10_000 });
  try {
    await c.connect();
    await c.create("/r");
    const N = 300;
    const data = (i: number): Buffer => Buffer.alloc(1 + i * 7, i % 251);
    const paths = await Promise.all(Array.from({ length: N }, (_, i) => c.create(`/r/n${i}`, data(i))));
    assert.deepEqual(
      paths,
      Array.from({ length: N }, (_, i) => `/r/n${i}`),
    );
    const events: WatchEvent[] = [];
    const reads = await Promise.all(
      Array.from({ length: N }, (_, i) => c.getData(`/r/n${i}`, { watch: (e) => events.push(e) })),
    );
    for (const [i, r] of reads.entries()) {
      assert.deepEqual(r.data, data(i));
      assert.equal(r.stat.dataLength, 1 + i * 7);
    }
    const big = Buffer.alloc(200_000, 3);
    await c.setData("/r/n1", big);
    assert.deepEqual((await c.getData("/r/n1")).data, big);
    assert.equal((await c.getChildren("/r")).length, N);
    await Promise.all(Array.from({ length: N }, (_, i) => c.delete(`/r/n${i}`)));
    while (events.length < N) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(events.length, N);
    assert.equal(new Set(events.map((e) => e.path)).size, N);
    assert.ok(c.isConnected);
  } finally {
    await c.close();
    proxy.close();
  }
});
