/** Conformance: crash detection by session expiry, container and TTL reaping (PROTOCOL.md §7.6, §7.8). */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { CreateMode } from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { client, watcher } from "./helpers.js";

const HOLDER = fileURLToPath(new URL("./fixtures/ephemeral-holder.ts", import.meta.url));
const HOLDER_SESSION_TIMEOUT = 1500;

forEachBackend("sessions", (backend) => {
  test(
    "a SIGKILLed client's ephemeral is deleted after its session times out",
    { timeout: 30_000 },
    async () => {
      const c = await client(backend());
      const root = uniqueRoot("crash");
      await c.create(root);
      const path = `${root}/holder`;
      const child = spawn(
        process.execPath,
        ["--import", "tsx", HOLDER, backend().connectString, path, String(HOLDER_SESSION_TIMEOUT)],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      try {
        let out = "";
        child.stdout.setEncoding("utf8");
        await new Promise<void>((resolve, reject) => {
          child.stdout.on("data", (d: string) => {
            out += d;
            if (out.includes("ready")) resolve();
          });
          child.once("exit", (code) => reject(new Error(`holder exited early (${code}): ${out}`)));
        });
        const stat = await c.exists(path);
        assert.ok(stat !== null && stat.ephemeralOwner !== 0n);
        assert.equal(stat.ephemeralOwner.toString(16), out.trim().split(" ")[1]);

        const gone = watcher();
        await c.exists(path, { watch: gone.watch });
        const killedAt = Date.now();
        child.kill("SIGKILL");
        await once(child, "exit");
        assert.deepEqual(await gone.event, { type: "NodeDeleted", path });
        const elapsed = Date.now() - killedAt;
        assert.equal(await c.exists(path), null);
        // Not before the session timeout; expiry lands within timeout + tickTime of the last ping
        // (PROTOCOL.md §7.6).
        assert.ok(elapsed >= HOLDER_SESSION_TIMEOUT * 0.5, `deleted after only ${elapsed} ms`);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
    },
  );

  test("a container is reaped once its last child is deleted", { timeout: 15_000 }, async () => {
    const c = await client(backend());
    const root = uniqueRoot("container");
    await c.create(root);
    const k = `${root}/k`;
    await c.create(k, null, { mode: CreateMode.CONTAINER });
    await c.create(`${k}/child`);
    const gone = watcher();
    await c.exists(k, { watch: gone.watch });
    await c.delete(`${k}/child`);
    assert.deepEqual(await gone.event, { type: "NodeDeleted", path: k });
    // A container that never had a child stays (maxNeverUsedIntervalMs = 0).
    await c.create(`${root}/unused`, null, { mode: CreateMode.CONTAINER });
    assert.deepEqual(await c.getChildren(root), ["unused"]);
  });

  test("a TTL node without children is reaped after its TTL", { timeout: 15_000 }, async () => {
    const c = await client(backend());
    const root = uniqueRoot("ttl");
    await c.create(root);
    const t = `${root}/t`;
    const createdAt = Date.now();
    await c.create(t, "x", { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 500 });
    const gone = watcher();
    await c.exists(t, { watch: gone.watch });
    assert.deepEqual(await gone.event, { type: "NodeDeleted", path: t });
    assert.ok(Date.now() - createdAt >= 500, "not before the TTL");
  });
});
