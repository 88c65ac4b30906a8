/** LeaderElection on both servers: one leader at a time, fast handover, fencing epochs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BadVersionError, NoNodeError } from "../../src/client/index.js";
import {
  LeaderElection,
  LeadershipLostError,
  NotLeaderError,
  type LeadershipTerm,
} from "../../src/recipes/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { SESSION_TIMEOUT } from "../harness/clients.js";
import { client, delay } from "./helpers.js";

async function nextType(it: AsyncIterator<{ type: string }>): Promise<string> {
  const r = await it.next();
  return r.done === true ? "done" : r.value.type;
}

forEachBackend("recipes: leader election", (backend) => {
  test("one leader; a graceful close hands over at once", async () => {
    const path = uniqueRoot("election-close");
    const elections = await Promise.all(
      [0, 1, 2].map(async (i) => new LeaderElection(await client(backend()), { path, id: `c${i}` })),
    );
    for (const e of elections) await e.start();
    const first = await elections[0]!.waitForLeadership();
    assert.equal(first.epoch, 1);
    await delay(200);
    assert.deepEqual(
      elections.map((e) => e.isLeader),
      [true, false, false],
    );
    const next = elections[1]!.waitForLeadership();
    const t0 = performance.now();
    await elections[0]!.close();
    const term = await next;
    const ms = performance.now() - t0;
    console.log(`[${backend().name}] graceful handover: ${ms.toFixed(1)} ms`);
    assert.ok(first.signal.aborted);
    assert.ok(first.signal.reason instanceof LeadershipLostError);
    assert.ok(term.epoch > first.epoch);
    // Handed over when the leader leaves, not when its session (2 s) would have expired; how fast is
    // bench material, not a unit test's (the bound leaves room for a loaded CI machine).
    assert.ok(ms < SESSION_TIMEOUT / 2, `handover took ${ms} ms`);
    assert.equal(elections[2]!.isLeader, false);
    for (const e of elections) await e.close();
  });

  test("fenced writes of an older term fail once a newer term began", async () => {
    const path = uniqueRoot("election-fence");
    const c = await client(backend());
    await c.create(`${path}-data`, "0");
    const a = new LeaderElection(c, { path, id: "a" });
    const b = new LeaderElection(await client(backend()), { path, id: "b" });
    await a.start();
    await b.start();
    const ta = await a.waitForLeadership();
    await a.fencedTransaction(ta).setData(`${path}-data`, "a").commit();
    const stale: LeadershipTerm = { ...ta, signal: new AbortController().signal };
    await a.relinquish();
    assert.throws(() => a.fencedTransaction(), NotLeaderError);
    assert.throws(() => a.fencedTransaction(ta), LeadershipLostError);
    const tb = await b.waitForLeadership();
    assert.ok(tb.epoch > ta.epoch);
    await assert.rejects(
      a.fencedTransaction(stale).setData(`${path}-data`, "zombie").commit(),
      BadVersionError,
    );
    await b.fencedTransaction(tb).setData(`${path}-data`, "b").commit();
    const { data } = await c.getData(`${path}-data`);
    assert.equal(data?.toString(), "b");
    // After b relinquishes, a (now behind nobody) leads again with a newer epoch.
    const again = a.waitForLeadership();
    await b.relinquish();
    const ta2 = await again;
    assert.ok(ta2.epoch > tb.epoch);
    await assert.rejects(
      b.fencedTransaction({ ...tb, signal: new AbortController().signal }).commit(),
      (e) => e instanceof BadVersionError || e instanceof NoNodeError,
    );
    await a.close();
    await b.close();
    await a.close();
  });

  test("changes() yields leader and follower in order", async () => {
    const path = uniqueRoot("election-changes");
    const e = new LeaderElection(await client(backend()), { path, id: "x" });
    const it = e.changes();
    await e.start();
    assert.equal(await nextType(it), "leader");
    await e.relinquish();
    assert.equal(await nextType(it), "follower");
    assert.equal(await nextType(it), "leader");
    await e.close();
    assert.equal(await nextType(it), "follower");
    assert.equal(await nextType(it), "done");
  });
});
