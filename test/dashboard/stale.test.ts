/**
 * The ZooKeeper source never goes stale (the browser test's "0 workers while /workers holds two"):
 * - a pass run with nothing marked used to leave a settled promise as the "pass running" flag, so every
 *   later change was ignored; the master's lone creation of <root>/assign (an event that marked nothing)
 *   was such a pass;
 * - every read has a deadline, so a reply that does not come fails the pass, which is followed by a full
 *   read that converges once the server answers again.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { ZooKeeperClient, type Logger } from "../../src/client/index.js";
import { OpCode } from "../../src/protocol/constants.js";
import { ZkClusterSource } from "../../src/dashboard/index.js";
import { Dirty } from "../../src/dashboard/dirty.js";
import { Refresher } from "../../src/dashboard/refresher.js";
import { SILENT } from "../../src/tasks/logger.js";
import { startReplyProxy } from "../client/reply-proxy.js";
import { addWorker, eventually, startFixture } from "./helpers.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const workerIds = (s: ZkClusterSource): string[] => s.overview().workers.map((w) => w.id);

test("a pass with nothing to read does not stop later passes", async () => {
  const seen: Dirty[] = [];
  const r = new Refresher({
    coalesceMs: 1,
    apply: async (d) => void seen.push(d),
    passed: () => undefined,
    log: SILENT,
  });
  await r.run(); // nothing marked: the loop ends at once, synchronously
  r.mark((d) => (d.workerList = true));
  await eventually(async () => (seen.length === 1 ? true : undefined), 2000);
  assert.equal(seen[0]?.workerList, true);
  await r.close();
});

test("a failed pass is followed by a full read, and marks made meanwhile are kept", async () => {
  const seen: Dirty[] = [];
  const r = new Refresher({
    coalesceMs: 1,
    apply: async (d) => {
      seen.push(d);
      if (seen.length === 1) throw new Error("read failed");
    },
    passed: () => undefined,
    log: SILENT,
  });
  r.mark((d) => d.tasks.add("b-01/t-a"));
  await eventually(async () => (seen.length === 2 ? true : undefined), 5000);
  assert.equal(seen[1]?.full, true);
  await r.close();
});

test("workers joining after the master's lone creation of <root>/assign are seen", async () => {
  const f = await startFixture();
  after(() => f.close());
  const { client: c, layout: l } = f;
  await c.create(l.master, JSON.stringify({ id: "m1", epoch: 1 }));
  await eventually(async () => (f.source.overview().master?.id === "m1" ? true : undefined));
  await c.create(l.workers, null);
  await sleep(100); // the /workers pass is over
  await c.create(l.assign, null); // alone, as the master makes it in the browser test
  await sleep(100); // its (empty) pass is over
  await addWorker(c, l, "worker-1");
  await addWorker(c, l, "worker-2");
  await eventually(async () => (workerIds(f.source).length === 2 ? true : undefined), 5000).catch(() => {
    throw new Error(`stale: the source shows workers [${workerIds(f.source).join(", ")}]`);
  });
});

test("a reply held past the read deadline fails the pass; the source converges after the hold", async () => {
  const f = await startFixture();
  after(() => f.close());
  const proxy = await startReplyProxy(f.server.host, f.server.port);
  after(() => proxy.close());
  const warnings: string[] = [];
  const log: Logger = {
    ...SILENT,
    warn: (obj: object | string, msg?: string) => {
      const err = typeof obj === "object" && "err" in obj ? (obj.err as Error) : null;
      warnings.push(`${msg ?? ""} ${err?.name ?? ""}`);
    },
  };
  // Pings every 2 s, a read timeout after 4 s of silence: a 1.5 s hold keeps the connection up.
  const client = new ZooKeeperClient({ connectString: proxy.connectString, sessionTimeout: 6000 });
  await client.connect();
  after(() => client.close());
  const source = new ZkClusterSource({
    client,
    root: f.root,
    coalesceMs: 5,
    requestTimeout: 300,
    logger: log,
  });
  await source.start();
  after(() => source.close());
  await f.client.create(f.layout.workers, null);
  await sleep(100);

  const held = proxy.arm((r) => r.op === OpCode.getChildren && r.path === f.layout.workers, "hold");
  await addWorker(f.client, f.layout, "worker-1");
  await held;
  await eventually(async () => (warnings.length > 0 ? true : undefined), 1000);
  assert.match(warnings[0] ?? "", /reading the cluster failed OperationTimeoutError/);
  await sleep(1200);
  assert.deepEqual(workerIds(source), [], "nothing can be read while the replies are held");
  await addWorker(f.client, f.layout, "worker-2"); // an event held too, delivered at the release
  proxy.release();
  await eventually(async () => (workerIds(source).length === 2 ? true : undefined), 5000);
  assert.deepEqual(workerIds(source), ["worker-1", "worker-2"]);
});
