/**
 * Commits batched into one multi keep their own guarantees: executions that end together commit in one
 * multi; one whose token went stale (cancelled while running) is refused alone and the rest commit —
 * both servers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../harness/backends.js";
import { TaskCancelledError, type CommittedEvent } from "../../src/tasks/index.js";
import { startTaskCluster, until } from "./helpers.js";

forEachBackend("tasks: batched commits", (backend) => {
  test("executions ending together commit once each; a cancelled one is refused alone", async () => {
    const { sub, addWorker } = await startTaskCluster(backend(), { label: "commit-batch" });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const onStart = new Set<() => void>();
    const w = await addWorker(
      { t: async (ctx) => (started++, onStart.forEach((f) => f()), await gate, ctx.id) },
      { id: "w", concurrency: 6, prefetch: 0 },
      { start: false },
    );
    const committed: CommittedEvent[] = [];
    w.on("committed", (e) => committed.push(e));
    await w.start();
    const hs = await sub.submitMany(
      Array.from({ length: 6 }, (_, i) => ({ type: "t", options: { id: `b${i}` } })),
    );
    await until(
      (cb) => (onStart.add(cb), () => onStart.delete(cb)),
      () => started === 6,
      "all six handlers running",
    );
    const [cancelled, ...rest] = hs;
    assert.equal(await cancelled?.cancel(), true);
    release();
    assert.deepEqual(await Promise.all(rest.map((h) => h.result())), ["b1", "b2", "b3", "b4", "b5"]);
    await assert.rejects(cancelled?.result() ?? Promise.resolve(), TaskCancelledError);
    // The worker counts an execution after its commit's reply, which may come after the submitter saw it.
    const counted = (cb: () => void): (() => void) => (
      w.on("completed", cb),
      w.on("stale", cb),
      () => (w.off("completed", cb), w.off("stale", cb))
    );
    await until(counted, () => w.stats.stale + w.stats.completed === 6, "the worker counting all six");
    assert.equal(w.stats.completed, 5);
    assert.equal(w.stats.stale, 1);
    assert.deepEqual(committed.map((e) => e.id).sort(), ["b1", "b2", "b3", "b4", "b5"]);
  });
});
