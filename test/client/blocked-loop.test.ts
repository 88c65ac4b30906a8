/**
 * A client whose own event loop was blocked (long synchronous work, a long GC pause) for longer than
 * its read timeout or a request's deadline: the timers fire late, before the I/O poll reads the replies
 * that arrived meanwhile. The client must read them first and keep its healthy connection (issue #10:
 * a master sorting 1M pending tasks lost its term this way). The server runs in its own process, so
 * it answers while this one is blocked.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ZooKeeperClient, type StateEvent } from "../../src/client/index.js";
import { startChildServer, type ChildServer } from "../server/child-server.js";

let server: ChildServer;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "overseer-blocked-loop-"));
  // tickTime 100: sessions of 200–2000 ms.
  server = await startChildServer(dir, 0, { tickTime: 100 });
});

after(async () => {
  await server.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** Blocks this process's event loop for `ms`. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** Sends `request` (its write is flushed from setImmediate), then blocks the loop for `ms` while the
 * server answers; the loop then runs its timers phase before the poll that reads the reply. */
async function sendThenBlock<T>(request: () => Promise<T>, ms: number): Promise<T> {
  const p = request();
  setImmediate(() => block(ms));
  return p;
}

test("a blocked loop longer than the read timeout does not drop a connection whose reply is waiting", async () => {
  // Read timeout 2/3 × 1500 = 1000 ms; the block (1300 ms) stays under the session timeout, so the
  // server keeps the session whatever the client does.
  const c = new ZooKeeperClient({ connectString: `127.0.0.1:${server.port}`, sessionTimeout: 1500 });
  try {
    await c.connect();
    assert.equal(c.sessionTimeout, 1500);
    const seen: StateEvent["type"][] = [];
    c.on("state", (e) => seen.push(e.type));
    assert.notEqual(await sendThenBlock(() => c.exists("/"), 1300), null);
    assert.notEqual(await c.exists("/"), null);
    assert.deepEqual(seen, [], "no suspended: the reply was in the socket all along");
    assert.equal(c.state, "connected");
  } finally {
    await c.close();
  }
});

test("a blocked loop longer than requestTimeout does not fail a request whose reply is waiting", async () => {
  const c = new ZooKeeperClient({
    connectString: `127.0.0.1:${server.port}`,
    sessionTimeout: 2000,
    requestTimeout: 200,
  });
  try {
    await c.connect();
    const seen: StateEvent["type"][] = [];
    c.on("state", (e) => seen.push(e.type));
    assert.notEqual(await sendThenBlock(() => c.exists("/"), 500), null);
    assert.deepEqual(seen, []);
  } finally {
    await c.close();
  }
});
