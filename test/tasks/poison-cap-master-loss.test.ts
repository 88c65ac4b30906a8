/**
 * Poison cap when a master and a worker die together: the new master never saw the worker's /workers
 * node, so it learns the worker's concurrency from the data of its `/assign/<worker>` folder and charges
 * the loss to the `concurrency` assignments that were running — not to one of them. The queued
 * (prefetched) ones still go back uncounted. Folders without that data (zkCli's, older workers') charge one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import {
  Master,
  Submitter,
  TaskFailedError,
  Worker,
  type ReassignedEvent,
  type TaskContext,
} from "../../src/tasks/index.js";
import { keyOfId } from "../../src/tasks/layout.js";
import { decodeEnvelope } from "../../src/tasks/envelope.js";
import { folderConcurrency } from "../../src/tasks/master/workers.js";
import type { ReadOpResult } from "../../src/client/index.js";
import { cleanup, client, until } from "./helpers.js";

const CONCURRENCY = 4;
const PREFETCH = 2;

/** A handler that runs until its execution is stopped (here: by the worker's lost session). */
function hang(ctx: TaskContext): Promise<never> {
  return new Promise((_, reject) =>
    ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason as Error), { once: true }),
  );
}

forEachBackend("tasks: poison cap after a master and a worker die together", (backend) => {
  test("the new master charges the loss to `concurrency` tasks, read from the worker's folder", async () => {
    const root = uniqueRoot("poison-mloss");
    const zk = await client(backend());
    await zk.create(root, null);
    const mzk = await client(backend());
    const a = new Master(mzk, { root, id: "a" });
    cleanup(() => a.close());
    await a.start();
    await a.waitForLeadership();

    const wzk = await client(backend());
    const worker = new Worker(wzk, { hang }, { root, id: "w", concurrency: CONCURRENCY, prefetch: PREFETCH });
    cleanup(() => worker.close());
    const started = new Set<string>();
    worker.on("started", (e) => void started.add(e.id));
    let assigned = 0;
    a.on("assigned", () => void assigned++);
    await worker.start();
    const folder = await zk.getData(`${root}/assign/w`);
    assert.deepEqual(JSON.parse(folder.data?.toString() ?? "null"), { concurrency: CONCURRENCY });

    const sub = new Submitter(zk, { root });
    const total = CONCURRENCY + PREFETCH + 2; // 2 beyond the worker's capacity stay pending
    const handles = await sub.submitMany(
      Array.from({ length: total }, (_, i) => ({
        type: "hang",
        options: { id: `t-${i}`, maxRequeues: 0 },
      })),
    );
    await until(
      (cb) => (
        worker.on("started", cb),
        a.on("assigned", cb),
        () => (worker.off("started", cb), a.off("assigned", cb))
      ),
      () => started.size === CONCURRENCY && assigned === CONCURRENCY + PREFETCH,
      "the worker running its concurrency with its prefetch queued",
    );

    // Master A goes first, so it never sees the worker's node go; then the worker.
    await backend().expireSession(mzk);
    await backend().expireSession(wzk);

    const reassigned: ReassignedEvent[] = [];
    let recovered = -1;
    const b = new Master(await client(backend()), { root, id: "b" });
    cleanup(() => b.close());
    b.on("reassigned", (e) => void reassigned.push(e));
    b.on("recovered", (w, n) => void (w === "w" && (recovered = n)));
    await b.start();
    await until(
      (cb) => (b.on("recovered", cb), () => b.off("recovered", cb)),
      () => recovered >= 0,
      "master b recovering worker w",
    );
    assert.equal(recovered, CONCURRENCY + PREFETCH);

    const failed = reassigned.filter((e) => e.outcome === "failed").map((e) => e.id);
    const requeued = reassigned.filter((e) => e.outcome === "requeued").map((e) => e.id);
    assert.equal(failed.length, CONCURRENCY, `charged: ${failed.join(",")}`);
    assert.equal(requeued.length, PREFETCH, `requeued uncounted: ${requeued.join(",")}`);
    // The charged ones are the ones the worker was running (its own order), not its queued ones.
    assert.deepEqual(failed.sort(), [...started].sort());
    for (const id of failed) {
      const h = handles.find((x) => x.id === id);
      await assert.rejects(
        h?.result() ?? Promise.reject(new Error(`no handle for ${id}`)),
        (e: unknown) => e instanceof TaskFailedError && e.reason === "worker lost 1 time",
      );
    }
    for (const id of requeued) {
      const { data } = await zk.getData(`${root}/tasks/${keyOfId(id)}`);
      assert.equal(decodeEnvelope(data)?.run.requeues ?? 0, 0, `${id} was queued, not charged`);
    }
  });
});

test("folderConcurrency: the worker's folder data, else 1 (never throws)", () => {
  const data = (d: string | null): ReadOpResult => ({
    type: "getData",
    data: d === null ? null : Buffer.from(d),
    stat: {} as Extract<ReadOpResult, { type: "getData" }>["stat"],
  });
  assert.equal(folderConcurrency(data('{"concurrency":16}')), 16);
  for (const d of [null, "", '""', "null", "7", "not json", '{"concurrency":0}', '{"concurrency":"4"}', "[]"])
    assert.equal(folderConcurrency(data(d)), 1, JSON.stringify(d));
  assert.equal(folderConcurrency({ type: "getChildren", children: [] }), 1);
  assert.equal(folderConcurrency(undefined), 1);
});
