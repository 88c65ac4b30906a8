/** Automatic prefetch (worker/prefetch.ts): sized from the handlers' mean time; advertised in the
 * worker's /workers node only when it has doubled or halved. Unit, then end to end on both servers. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AutoPrefetch, TARGET_BYTES, TARGET_MS } from "../../src/tasks/worker/prefetch.js";
import { SILENT } from "../../src/tasks/logger.js";
import { forEachBackend } from "../harness/backends.js";
import { Submitter } from "../../src/tasks/index.js";
import { startTaskCluster } from "./helpers.js";

async function settle(): Promise<void> {
  await new Promise((r) => setImmediate(r));
}

test("starts at concurrency, grows to max on short handlers, shrinks to 0 on long ones, writes rarely", async () => {
  const written: number[] = [];
  const auto = new AutoPrefetch(1, 32, async (p) => void written.push(p), SILENT);
  assert.equal(auto.current, 1, "a burst of long tasks is not grabbed before their length is known");
  auto.held(0.02);
  await settle();
  assert.deepEqual(written, [32]);
  for (let i = 0; i < 50; i++) auto.held(0.05);
  await settle();
  assert.deepEqual(written, [32], "no write while the target stays put");
  // A handler of 2 × TARGET_MS: the running mean passes TARGET_MS after a few, and the queue goes.
  for (let i = 0; i < 6; i++) {
    auto.held(2 * TARGET_MS);
    await settle();
  }
  assert.equal(written.at(-1), 0);
  assert.ok(written.length <= 4, `few writes on the way down: ${written.join(", ")}`);
  auto.close();
  auto.held(0.01);
  await settle();
  assert.equal(written.at(-1), 0, "nothing is written once closed");
});

test("the target scales with concurrency and is capped", () => {
  const auto = new AutoPrefetch(8, 24, async () => undefined, SILENT);
  assert.equal(auto.target(), 24, "short until told otherwise");
  auto.held(TARGET_MS / 2);
  assert.equal(auto.target(), 16, "8 slots × 50 ms ÷ 25 ms");
});

test("a handler time told while a write is in flight is not lost: the target is looked at again after it", async () => {
  const written: number[] = [];
  let finish = (): void => undefined;
  const auto = new AutoPrefetch(
    1,
    256,
    (p) => {
      written.push(p);
      return new Promise<void>((r) => (finish = r));
    },
    SILENT,
  );
  auto.held(0.02);
  assert.deepEqual(written, [256], "the write of the maximum is in flight");
  for (let i = 0; i < 10; i++) auto.held(2 * TARGET_MS); // the mean passes TARGET_MS meanwhile
  assert.deepEqual(written, [256], "one write at a time");
  finish();
  await settle();
  await settle();
  assert.deepEqual(written, [256, 0], "the handlers that ended during the write are acted on after it");
});

test("large tasks queue fewer: the queue holds at most TARGET_BYTES of task data", () => {
  const auto = new AutoPrefetch(4, 256, async () => undefined, SILENT);
  auto.held(0.02, 100);
  assert.equal(auto.target(), 256, "small no-op tasks: the maximum");
  for (let i = 0; i < 60; i++) auto.held(0.02, 1024 * 1024);
  assert.equal(auto.target(), TARGET_BYTES / (1024 * 1024), "1 MiB tasks: 16 MiB ÷ 1 MiB");
  for (let i = 0; i < 60; i++) auto.held(0.02, 0);
  assert.equal(auto.target(), 256, "back to small tasks: the maximum again");
});

forEachBackend("tasks: automatic prefetch", (backend) => {
  test("a default worker advertises 1 + 256 after no-op tasks and 1 once its tasks run 120 ms", async () => {
    const { root, zk, addWorker } = await startTaskCluster(backend(), { label: "auto-prefetch" });
    await addWorker({ noop: () => null, slow: () => new Promise((r) => setTimeout(r, 120)) }, { id: "w" });
    const capacity = async (): Promise<number> =>
      (JSON.parse((await zk.getData(`${root}/workers/w`)).data?.toString() ?? "{}") as { capacity: number })
        .capacity;
    assert.equal(await capacity(), 2, "concurrency 1 + 1 at the start");
    const sub = new Submitter(zk, { root });
    await Promise.all(
      (await sub.submitMany(Array.from({ length: 20 }, () => ({ type: "noop" })))).map((h) => h.result()),
    );
    await waitFor(async () => (await capacity()) === 257);
    for (let i = 0; i < 5; i++) await (await sub.submit("slow", null)).result();
    await waitFor(async () => (await capacity()) === 1);
  });
});

async function waitFor(predicate: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
