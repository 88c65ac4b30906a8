/** The harness's Backend.expireSession and Backend.restart, on both servers. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateMode,
  SessionExpiredError,
  type WatchEvent,
  type ZooKeeperClient,
} from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "./backends.js";
import { client } from "./clients.js";

/** Long enough that nothing here can expire by timeout: every expiry below is the harness's doing. */
const LONG_SESSION = 30_000;

forEachBackend("harness: backend controls", (backend) => {
  test(
    "expireSession: the client reports lost, its ephemeral goes, another client's watch fires",
    { timeout: 60_000 },
    async () => {
      const root = uniqueRoot("expire");
      const other = await client(backend(), { sessionTimeout: LONG_SESSION });
      await other.create(root, null);
      const victim = await client(backend(), { sessionTimeout: LONG_SESSION });
      await victim.create(`${root}/eph`, "x", { mode: CreateMode.EPHEMERAL });
      let fired!: (e: WatchEvent) => void;
      const deleted = new Promise<WatchEvent>((resolve) => (fired = resolve));
      assert.notEqual(await other.exists(`${root}/eph`, { watch: (e) => fired(e) }), null);
      const t0 = performance.now();
      await backend().expireSession(victim);
      const ms = performance.now() - t0;
      assert.equal(victim.state, "lost");
      assert.equal((await deleted).type, "NodeDeleted");
      assert.equal(await other.exists(`${root}/eph`), null);
      await assert.rejects(victim.exists(root), SessionExpiredError);
      assert.ok(ms < LONG_SESSION / 3, `expired in ${Math.round(ms)} ms, not by timeout`);
    },
  );

  test(
    "restart keeps the data and the sessions; a connected client reconnects to the same session",
    { timeout: 60_000 },
    async () => {
      const root = uniqueRoot("restart");
      const c = await client(backend(), { sessionTimeout: LONG_SESSION });
      await c.create(root, "kept");
      await c.create(`${root}/eph`, null, { mode: CreateMode.EPHEMERAL });
      const sessionId = c.sessionId;
      const reconnected = new Promise<void>((resolve, reject) =>
        c.on("state", (e) => {
          if (e.type === "reconnected") resolve();
          if (e.type === "lost") reject(e.reason);
        }),
      );
      await backend().restart();
      await reconnected;
      assert.equal(c.sessionId, sessionId);
      assert.equal((await c.getData(root)).data?.toString(), "kept");
      assert.notEqual(await c.exists(`${root}/eph`), null, "the session's ephemeral survived the restart");
      const fresh = await client(backend());
      assert.equal((await fresh.getData(root)).data?.toString(), "kept");
    },
  );

  let perTest: ZooKeeperClient | undefined;
  test("client(..., { t }) belongs to one test", async (t) => {
    perTest = await client(backend(), { t });
    assert.equal(perTest.state, "connected");
  });

  test("... and is closed when that test ends", () => {
    assert.equal(perTest?.state, "closed");
  });
});
