/**
 * Scale: 100,000 tasks submitted (submitMany, 500 per multi) to Apache ZooKeeper with its default 1 MB
 * jute.maxbuffer while no worker runs (a flat /tasks could not even be listed past ~55,000 children);
 * then two workers × 16 join and every task completes exactly once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ZooKeeperClient } from "../../src/client/index.js";
import { Master, Submitter, Worker, type TaskContext } from "../../src/tasks/index.js";
import { skipUnlessApacheZooKeeper, startApacheZooKeeper } from "../harness/apache-zk.js";

const COUNT = 100_000;
const CHUNK = 500;

test(
  `${COUNT} tasks pending on Apache ZooKeeper (1 MB jute.maxbuffer), then all complete once`,
  { skip: skipUnlessApacheZooKeeper() },
  async () => {
    const zk = await startApacheZooKeeper();
    const clients: ZooKeeperClient[] = [];
    const connect = async (): Promise<ZooKeeperClient> => {
      const c = new ZooKeeperClient({ connectString: zk.connectString, sessionTimeout: 10_000 });
      clients.push(c);
      await c.connect();
      return c;
    };
    const workers: Worker[] = [];
    let master: Master | null = null;
    try {
      const root = "/scale";
      const zc = await connect();
      await zc.create(root, null);
      master = new Master(await connect(), { root, id: "m" });
      await master.start();
      await master.waitForLeadership();
      const sub = new Submitter(zc, { root });
      const t0 = performance.now();
      for (let i = 0; i < COUNT; i += CHUNK)
        await sub.submitMany(
          Array.from({ length: CHUNK }, (_, j) => ({
            type: "noop",
            payload: i + j,
            options: { id: `s-${i + j}` },
          })),
        );
      const submitted = performance.now();
      const m = master;
      await waitUntil(
        () => (m.view?.pending.size ?? 0) === COUNT,
        "the master to know every pending task",
        300_000,
      );
      const known = performance.now();

      const runs = new Map<string, number>();
      const committed = new Map<string, number>();
      let done = 0;
      let finish!: () => void;
      const allDone = new Promise<void>((r) => (finish = r));
      for (let w = 0; w < 2; w++) {
        const noop = (ctx: TaskContext<number>): number => (
          runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1),
          ctx.payload
        );
        const worker = new Worker(await connect(), { noop }, { root, id: `w${w}`, concurrency: 16 });
        worker.on("committed", (e) => {
          committed.set(e.id, (committed.get(e.id) ?? 0) + 1);
          if (e.outcome === "done" && ++done === COUNT) finish();
        });
        workers.push(worker);
        await worker.start();
      }
      await allDone;
      const drained = performance.now();
      assert.equal(runs.size, COUNT);
      assert.equal(committed.size, COUNT);
      assert.deepEqual(
        [...runs.values()].filter((n) => n !== 1),
        [],
        "every task ran exactly once",
      );
      assert.deepEqual(
        [...committed.values()].filter((n) => n !== 1),
        [],
        "every task committed exactly once",
      );
      // Spot checks through the submitter's handles, which read the stored outcome.
      for (const id of ["s-0", "s-49999", `s-${COUNT - 1}`])
        assert.equal(await sub.handle(id).result(), Number(id.slice(2)));
      const s = (a: number, b: number): string => `${((b - a) / 1000).toFixed(1)} s`;
      console.log(
        `[apache] ${COUNT} tasks: submitted in ${s(t0, submitted)}, all pending known to the master after ` +
          `${s(t0, known)}, drained by 2 workers × 16 in ${s(known, drained)} (${Math.round(COUNT / ((drained - known) / 1000))} tasks/s)`,
      );
    } finally {
      for (const w of workers) await w.close().catch(() => undefined);
      await master?.close().catch(() => undefined);
      for (const c of clients) await c.close().catch(() => undefined);
      await zk.stop();
    }
  },
);

function waitUntil(pred: () => boolean, what: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = (): void => {
      if (pred()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}
