/**
 * Sandboxed handlers. A handler that never returns (`for (;;)`) with a 1 s timeout: under isolation
 * "thread" the attempt fails with a timeout, the worker keeps its session (same /workers node, same
 * session, 2 s sessions) and 50 no-ops beside it complete; under "none" (a CLI worker process) the same
 * handler stalls the worker's event loop, its session expires and its tasks are reassigned. Under
 * "process" a handler that ends its process fails only that attempt. Payload, result, progress and the
 * AbortSignal cross the boundary, and sandboxes are reused. Both servers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError, type ZooKeeperClient } from "../../src/client/index.js";
import { forEachBackend, uniqueRoot, type Backend } from "../harness/backends.js";
import { Master, Submitter, TaskFailedError, Worker } from "../../src/tasks/index.js";
import { keyOfId } from "../../src/tasks/layout.js";
import { decodeEnvelope } from "../../src/tasks/envelope.js";
import { startCli } from "../cli/cluster.js";
import { cleanup, client, until } from "./helpers.js";

/** Resolves once `w` has counted `n` outcomes of `kind`: the submitter may see an outcome (the status
 * node's event) before the worker has the reply to the commit that stored it. */
function counted(w: Worker, kind: "completed" | "failed", n: number): Promise<void> {
  return until(
    (cb) => {
      w.on(kind, cb);
      return () => w.off(kind, cb);
    },
    () => w.stats[kind] === n,
    `the worker counting ${n} ${kind}`,
  );
}

const HANDLERS = fileURLToPath(new URL("./fixtures/sandbox-handlers.mjs", import.meta.url));
const SESSION = 2000;

async function cluster(backend: Backend, label: string): Promise<{ root: string; zk: ZooKeeperClient }> {
  const root = uniqueRoot(label);
  const zk = await client(backend, { sessionTimeout: SESSION });
  await zk.create(root, null);
  const master = new Master(zk, { root });
  cleanup(() => master.close());
  await master.start();
  return { root, zk };
}

async function worker(
  backend: Backend,
  root: string,
  isolation: "thread" | "process",
  id: string,
): Promise<Worker> {
  const wzk = await client(backend, { sessionTimeout: SESSION });
  const w = new Worker(wzk, HANDLERS, { root, id, isolation, concurrency: 4 });
  cleanup(() => w.close());
  await w.start();
  return w;
}

/** Records every deletion of `path` (an exists watch, set again after each event). */
function watchDeletes(zk: ZooKeeperClient, path: string): { deletes: number; gone: Promise<void> } {
  const seen = { deletes: 0, gone: Promise.resolve() };
  let resolveGone = (): void => undefined;
  seen.gone = new Promise<void>((r) => (resolveGone = r));
  const arm = (): void =>
    void zk.exists(path, {
      watch: (e) => {
        if (e.type !== "NodeDeleted") return arm();
        seen.deletes++;
        resolveGone();
      },
    });
  arm();
  return seen;
}

forEachBackend("tasks: sandboxed handlers", (backend) => {
  test("isolation thread: a spinning handler times out, the session survives, 50 no-ops complete", async () => {
    const { root, zk } = await cluster(backend(), "sbx-thread");
    const w = await worker(backend(), root, "thread", "sbx");
    let lost = false;
    w.on("lost", () => (lost = true));
    const node = `${root}/workers/sbx`;
    const owner = (await zk.exists(node))?.ephemeralOwner;
    const watch = watchDeletes(zk, node);
    const sub = new Submitter(zk, { root });
    const spin = await sub.submit("spin", null, { timeout: 1000 });
    const noops = await sub.submitMany(Array.from({ length: 50 }, () => ({ type: "noop" })));
    for (const h of noops) assert.equal(await h.result(), null);
    await assert.rejects(
      spin.result(),
      (e: unknown) => e instanceof TaskFailedError && e.reason === "task aborted: timeout",
    );
    // The spinning sandbox was terminated and replaced: the pool still runs tasks.
    const after = await sub.submitMany(Array.from({ length: 8 }, (_, i) => ({ type: "echo", payload: i })));
    const echoed = await Promise.all(after.map((h) => h.result()));
    assert.deepEqual(
      echoed.map((r) => (r as { payload: number }).payload),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(watch.deletes, 0, "the worker's node was never deleted");
    assert.equal((await zk.exists(node))?.ephemeralOwner, owner, "same session throughout");
    assert.equal(lost, false);
    await counted(w, "completed", 58);
  });

  test("isolation none: the same spinning handler stalls the worker; its session expires, tasks reassigned", async () => {
    const { root, zk } = await cluster(backend(), "sbx-none");
    const connect = ["--connect", backend().connectString, "--root", root];
    const spinner = startCli([
      "worker",
      "--handlers",
      HANDLERS,
      "--isolation",
      "none",
      "--id",
      "spinner",
      "--concurrency",
      "4",
      "--session-timeout",
      String(SESSION),
      ...connect,
    ]);
    await spinner.waitFor((l) => l["event"] === "ready", "ready", 30_000);
    const watch = watchDeletes(zk, `${root}/workers/spinner`);
    const sub = new Submitter(zk, { root });
    const spin = await sub.submit("spin", null, { id: "spin", timeout: 1000 });
    const noops = await sub.submitMany(Array.from({ length: 50 }, () => ({ type: "noop" })));
    // Its timeout timer cannot fire on a loop that never yields: the session expires instead.
    await watch.gone;
    const rescue = await worker(backend(), root, "thread", "rescue");
    for (const h of noops) assert.equal(await h.result(), null);
    await assert.rejects(spin.result(), (e: unknown) => e instanceof TaskFailedError);
    const { data } = await zk.getData(`${root}/tasks/${keyOfId("spin")}`);
    assert.ok((decodeEnvelope(data)?.run.requeues ?? 0) >= 1, "the spinning task was taken back");
    assert.ok(rescue.stats.completed > 0, "the rescue worker ran the reassigned tasks");
    await spinner.stop("SIGKILL");
  });

  test("isolation process: a handler that ends its process fails only that attempt", async () => {
    const { root, zk } = await cluster(backend(), "sbx-proc");
    const w = await worker(backend(), root, "process", "proc");
    const sub = new Submitter(zk, { root });
    const crash = await sub.submit("crash", null);
    const boom = await sub.submit("boom", null);
    const echoes = await sub.submitMany(
      Array.from({ length: 10 }, (_, i) => ({ type: "echo", payload: { i, buf: [1, 2] } })),
    );
    await assert.rejects(
      crash.result(),
      (e: unknown) =>
        e instanceof TaskFailedError && /^sandbox crashed: process exited with code 3$/.test(e.reason),
    );
    await assert.rejects(boom.result(), (e: unknown) => e instanceof TaskFailedError && e.reason === "boom");
    const results = (await Promise.all(echoes.map((h) => h.result()))) as {
      payload: { i: number };
      id: string;
      workerId: string;
      delivery: string;
      attempt: number;
      pid: number;
    }[];
    results.forEach((r, i) => {
      assert.equal(r.payload.i, i);
      assert.equal(r.id, echoes[i]?.id);
      assert.equal(r.workerId, "proc");
      assert.equal(r.attempt, 1);
      assert.notEqual(r.pid, process.pid);
    });
    // Sandboxes are reused: at most `concurrency` processes ran the ten.
    assert.ok(new Set(results.map((r) => r.pid)).size <= 4);

    // Progress crosses back (each report awaited), and the signal crosses in: a timeout aborts it.
    const p = await sub.submit("progress", null);
    assert.equal(await p.result(), "reported");
    assert.deepEqual((await p.status()).progress, { pct: 100 });
    const ab = await sub.submit("abortable", null, { timeout: 300 });
    await assert.rejects(
      ab.result(),
      (e: unknown) => e instanceof TaskFailedError && e.reason === "task aborted: timeout",
    );
    await counted(w, "failed", 3);
  });

  test("a handler object cannot be sandboxed: a precise InvalidArgumentError", async () => {
    const zk = await client(backend());
    assert.throws(
      () => new Worker(zk, { noop: () => null }, { isolation: "thread" }),
      (e: unknown) =>
        e instanceof InvalidArgumentError && /path \(or file: URL\) of a module/.test(e.message),
    );
    const bad = new Worker(zk, fileURLToPath(new URL("./nope.ts", import.meta.url)), { isolation: "thread" });
    await assert.rejects(
      bad.start(),
      (e: unknown) => e instanceof InvalidArgumentError && /cannot import/.test(e.message),
    );
  });
});
