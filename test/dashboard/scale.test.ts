/** 10,000 tasks: the source reads them once at start, and every API answer stays small and quick. */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { ZooKeeperClient } from "../../src/client/index.js";
import { startServer } from "../../src/server/index.js";
import { Submitter } from "../../src/tasks/submit/submitter.js";
import { ZkClusterSource } from "../../src/dashboard/index.js";
import { classify, Dirty } from "../../src/dashboard/dirty.js";

test("10,000 tasks are read at start and paged, never shipped whole", async () => {
  const server = await startServer({ port: 0 });
  const client = new ZooKeeperClient({ connectString: server.connectString, sessionTimeout: 10_000 });
  await client.connect();
  after(async () => {
    await client.close();
    await server.close();
  });
  const root = "/scale";
  await client.create(root, null);
  const submitter = new Submitter(client, { root });
  const N = 10_000;
  await submitter.submitMany(
    Array.from({ length: N }, (_, i) => ({ type: "noop", payload: i, options: { id: `t${i}` } })),
  );

  const source = new ZkClusterSource({ client, root });
  const t0 = performance.now();
  await source.start();
  const startMs = performance.now() - t0;
  after(() => source.close());
  const o = source.overview();
  assert.equal(o.total, N);
  assert.equal(o.counts.waiting, N);
  assert.ok(startMs < 20_000, `full read took ${startMs} ms`);

  const t1 = performance.now();
  const last = source.tasks({ offset: N - 10, limit: 50 });
  const first = source.tasks({ offset: 0, limit: 50, state: "waiting" });
  const pageMs = performance.now() - t1;
  assert.equal(last.rows.length, 10);
  assert.equal(first.rows.length, 50);
  assert.ok(pageMs < 500, `two pages took ${pageMs} ms`);
  assert.ok(
    JSON.stringify(source.overview()).length < 10_000,
    "the overview does not grow with the task count",
  );
});

test("watch events are classified by where they sit in the layout", () => {
  const d = new Dirty();
  assert.equal(classify("/r", "/r/tasks/b-07/t-abc", "NodeCreated", d), true);
  assert.equal(classify("/r", "/r/tasks/b-07/t-abc/status", "NodeCreated", d), true);
  assert.equal(classify("/r", "/r/tasks/b-07/t-abc/progress", "NodeDataChanged", d), false);
  assert.equal(classify("/r", "/r/tasks/task-0000000001", "NodeCreated", d), true);
  assert.equal(classify("/r", "/r/tasks/task-0000000001/progress", "NodeCreated", d), false);
  assert.equal(classify("/r", "/r/assign/w1/b-07.t-abc", "NodeCreated", d), true);
  assert.equal(classify("/r", "/r/workers/w1", "NodeDeleted", d), true);
  assert.equal(classify("/r", "/r/master", "NodeCreated", d), true);
  assert.equal(classify("/r", "/other/master", "NodeCreated", d), false);
  assert.equal(classify("/", "/zookeeper/quota", "NodeCreated", d), false);
  assert.deepEqual([...d.tasks].sort(), ["b-07/t-abc", "task-0000000001"]);
  assert.deepEqual([...d.assigns], ["w1/b-07.t-abc"]);
  assert.equal(d.workerList, true); // any worker change re-lists all workers
  assert.equal(d.master, true);
  assert.equal(d.full, false);
});
