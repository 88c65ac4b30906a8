/**
 * Counts ZooKeeper transactions per task: the server's zxid (from `srvr`) before and after N tasks run
 * end to end through an in-process master, worker(s) and submitter, each with its own session. Every
 * write request — a single create or a whole multi — takes exactly one zxid, so the delta is the number
 * of transactions the task system committed (no sessions open or close inside the window).
 */
import type { SubmitOptions } from "../../src/tasks/index.js";
import { fourLetterWord } from "../../test/harness/four-letter.js";
import { sleep } from "../lib/children.js";
import { Master, Submitter, Worker, ZooKeeperClient } from "../lib/overseer.js";

export interface Scenario {
  key: string;
  label: string;
  workers: number;
  concurrency: number;
  /** Tasks per submit call: 1 = submit() each, more = submitMany chunks. */
  chunk: number;
  options?: SubmitOptions;
  /** Master retention maxCount 0: finished tasks are removed (the cleanup writes). */
  cleanup?: boolean;
}

export const WARM_UP = 640;

async function zxid(port: number): Promise<bigint> {
  const m = /Zxid: (0x[0-9a-f]+)/i.exec(await fourLetterWord(port, "srvr"));
  if (m?.[1] === undefined) throw new Error("no Zxid in srvr");
  return BigInt(m[1]);
}

/** Waits until the zxid has not moved for `quietMs` (retention and hand-offs settled). */
async function settled(port: number, quietMs = 600): Promise<bigint> {
  let last = await zxid(port);
  for (;;) {
    await sleep(quietMs);
    const now = await zxid(port);
    if (now === last) return now;
    last = now;
  }
}

/** Transactions per task for `s`, over `n` tasks, on the server at 127.0.0.1:`port`. */
export async function txnsPerTask(port: number, s: Scenario, n: number): Promise<number> {
  const connectString = `127.0.0.1:${port}`;
  const root = `/cost-${s.key}`;
  const clients: ZooKeeperClient[] = [];
  const client = async (): Promise<ZooKeeperClient> => {
    const c = new ZooKeeperClient({ connectString, sessionTimeout: 10_000 });
    await c.connect();
    clients.push(c);
    return c;
  };
  const admin = await client();
  await admin.create(root, null);
  const master = new Master(await client(), {
    root,
    id: "m",
    ...(s.cleanup === true ? { retention: { maxCount: 0 } } : {}),
  });
  const leading = new Promise<void>((resolve) => master.once("leader", () => resolve()));
  await master.start();
  await leading;
  const workers: Worker[] = [];
  for (let i = 0; i < s.workers; i++) {
    const w = new Worker(
      await client(),
      { noop: () => null },
      { root, id: `w${i}`, concurrency: s.concurrency },
    );
    await w.start();
    workers.push(w);
  }
  const sub = new Submitter(await client(), { root });
  try {
    // A submitter ensures each of the 64 bucket parents the first time it uses it (one transaction, even
    // when the bucket exists: a failed create takes a zxid too). 640 tasks first touch every bucket
    // (a miss is e^-10 likely), so the count below is the steady state per task.
    const warm = await sub.submitMany(Array.from({ length: WARM_UP }, () => ({ type: "noop" })));
    await Promise.all(warm.map((h) => h.result().catch(() => null)));
    const before = await settled(port);
    const results: Promise<unknown>[] = [];
    for (let i = 0; i < n; i += s.chunk) {
      const size = Math.min(s.chunk, n - i);
      const handles =
        size === 1 && s.chunk === 1
          ? [await sub.submit("noop", undefined, s.options)]
          : await sub.submitMany(Array.from({ length: size }, () => ({ type: "noop", options: s.options })));
      // With cleanup the status may be gone before the handle reads it: that is a finished task too.
      for (const h of handles) results.push(s.cleanup === true ? h.result().catch(() => null) : h.result());
    }
    await Promise.all(results);
    const after = await settled(port);
    return Number(after - before) / n;
  } finally {
    for (const w of workers) await w.close();
    await master.close();
    for (const c of clients) await c.close().catch(() => undefined);
  }
}
