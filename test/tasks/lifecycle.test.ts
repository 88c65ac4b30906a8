/**
 * Roles used out of order throw LifecycleError (start twice, use after close), and a best-effort write
 * that fails is logged, never dropped: the "outcome unknown" commit of a worker shutting down included.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { NoAuthError, READ_ACL_UNSAFE } from "../../src/client/index.js";
import { bestEffort } from "../../src/tasks/logger.js";
import {
  LifecycleError,
  Master,
  Submitter,
  TaskHandle,
  Worker,
  type Logger,
  type TaskContext,
} from "../../src/tasks/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { cleanup, client } from "./helpers.js";

interface Logged {
  level: "debug" | "warn";
  obj: unknown;
  msg: string;
}

/** A logger that keeps its debug and warn lines. */
function recorder(): { logger: Logger; lines: Logged[] } {
  const lines: Logged[] = [];
  const keep =
    (level: Logged["level"]) =>
    (obj: unknown, msg?: string): void =>
      void lines.push({ level, obj, msg: msg ?? "" });
  return {
    lines,
    logger: { debug: keep("debug"), info: () => undefined, warn: keep("warn"), error: () => undefined },
  };
}

test("bestEffort logs a failure at the level asked and resolves", async () => {
  const { logger, lines } = recorder();
  await bestEffort(logger, "a cleanup", Promise.reject(new Error("boom")), "warn");
  await bestEffort(logger, "a fine write", Promise.resolve(1));
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.level, "warn");
  assert.equal(lines[0]?.msg, "tasks: a cleanup failed");
  assert.equal((lines[0]?.obj as { err: Error }).err.message, "boom");
});

forEachBackend("tasks: lifecycle", (backend) => {
  test("a master, a worker or a submitter used out of order throws LifecycleError", async () => {
    const root = uniqueRoot("lifecycle");
    const zk = await client(backend());
    await zk.create(root, null);

    const master = new Master(zk, { root });
    await assert.rejects(
      master.waitForLeadership(),
      (e: unknown) => e instanceof LifecycleError && e.phase === "latent" && e.role === "master",
    );
    await master.start();
    await assert.rejects(
      master.start(),
      (e: unknown) => e instanceof LifecycleError && e.phase === "started",
    );
    await master.close();
    const closed = new Master(zk, { root });
    await closed.close();
    await assert.rejects(closed.start(), (e: unknown) => e instanceof LifecycleError && e.phase === "closed");

    const worker = new Worker(zk, { t: () => 1 }, { root });
    await worker.start();
    await assert.rejects(
      worker.start(),
      (e: unknown) => e instanceof LifecycleError && e.phase === "started",
    );
    await worker.close();
    await assert.rejects(worker.start(), (e: unknown) => e instanceof LifecycleError && e.phase === "closed");

    const sub = new Submitter(zk, { root });
    const h = await sub.submit("t", 1);
    const waiting = h.result();
    sub.close();
    sub.close(); // twice is fine
    await assert.rejects(waiting, (e: unknown) => e instanceof LifecycleError && e.role === "submitter");
    await assert.rejects(h.result(), LifecycleError, "a wait begun after close ends at once");
    await assert.rejects(sub.submit("t", 2), (e: unknown) => e instanceof LifecycleError);
    await assert.rejects(sub.submitMany([{ type: "t" }]), (e: unknown) => e instanceof LifecycleError);
    assert.throws(() => sub.handle(h.id), LifecycleError);
    assert.ok(h instanceof TaskHandle);
  });

  test("a worker shutting down logs the 'outcome unknown' it could not store", async () => {
    const root = uniqueRoot("unknown");
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(zk, { root });
    cleanup(() => master.close());
    await master.start();
    const { logger, lines } = recorder();
    let running!: () => void;
    const started = new Promise<void>((r) => (running = r));
    const worker = new Worker(
      zk,
      {
        // Ignores its signal: the shutdown gives up on it and stores "outcome unknown".
        hang: (_ctx: TaskContext) => {
          running();
          return new Promise(() => undefined);
        },
      },
      { root, logger, shutdownTimeout: 50 },
    );
    cleanup(() => worker.close());
    await worker.start();
    const h = await new Submitter(zk, { root }).submit("hang", null, { delivery: "at-most-once" });
    await started;
    // The task node turns read-only: the commit fails with NoAuth, neither stale nor retriable.
    await zk.setACL(h.path, READ_ACL_UNSAFE);
    await worker.close();
    const line = lines.find((l) => l.level === "warn" && l.msg.includes("outcome unknown"));
    assert.ok(line !== undefined, `no warning in ${JSON.stringify(lines.map((l) => l.msg))}`);
    assert.ok((line.obj as { err: unknown }).err instanceof NoAuthError);
    assert.match(line.msg, new RegExp(h.id));
  });
});
