/**
 * Schedules across master failover: a `--every 1s --missed all` schedule whose active master is SIGKILLed
 * or SIGSTOPped (deposed while frozen, then resumed) has exactly one task per slot, no slot missing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { Master, Schedules } from "../../src/tasks/index.js";
import { cleanup, client, SESSION_TIMEOUT } from "./helpers.js";
import { startRole } from "./processes.js";
import { assertContiguous, firedSlots, waitProgress } from "./schedule-helpers.js";

forEachBackend("tasks: schedules across master failover", (backend) => {
  async function setup(label: string) {
    const root = uniqueRoot(label);
    const zk = await client(backend());
    await zk.create(root, null);
    const m1 = await startRole("master", backend().connectString, root, "m1");
    const e1 = Number((await m1.waitFor((l) => "leader" in l, "m1 leading"))["leader"]);
    const m2 = new Master(await client(backend()), { root, id: "m2" });
    cleanup(() => m2.close());
    await m2.start();
    const schedules = new Schedules(zk, { root });
    await schedules.upsert("s", { every: "1s", missed: "all" }, { type: "t", payload: { n: 1 } });
    await waitProgress(zk, root, "s", (p) => p.fired >= 2, "two firings by m1");
    return { root, zk, m1, e1, m2 };
  }

  /** After the takeover, 3 more slots; then every slot from the first on has exactly one task. */
  async function check(zk: Awaited<ReturnType<typeof setup>>["zk"], root: string, from: number) {
    const p = await waitProgress(
      zk,
      root,
      "s",
      (x) => (x.last ?? 0) >= from + 3000,
      "3 slots after takeover",
    );
    const slots = await firedSlots(zk, root, "s");
    assertContiguous(slots, 1000);
    assert.equal(slots.length, p.fired, "the progress counts each task once");
    assert.equal(p.missed, 0, "missed: all fires every missed slot");
    return slots;
  }

  test("active master SIGKILLed: one task per 1 s slot, none missing, none twice", async () => {
    const { root, zk, m1, e1, m2 } = await setup("sk-kill");
    await m1.kill("SIGKILL");
    const killedAt = Date.now();
    const e2 = await m2.waitForLeadership();
    const tookOver = Date.now();
    assert.ok(e2 > e1);
    const slots = await check(zk, root, tookOver);
    const gap = slots.filter((s) => s > killedAt && s <= tookOver);
    assert.ok(gap.length >= 1, "slots of the gap without a master were fired by the new master");
    console.log(
      `[${backend().name}] schedule across SIGKILL (session ${SESSION_TIMEOUT} ms): ${slots.length} slots, ${gap.length} caught up after ${tookOver - killedAt} ms without a master`,
    );
  });

  test("active master SIGSTOPped past its session, then resumed: it fires nothing twice", async () => {
    const { root, zk, m1, e1, m2 } = await setup("sk-stop");
    m1.proc.kill("SIGSTOP");
    const stoppedAt = Date.now();
    const e2 = await m2.waitForLeadership();
    assert.ok(e2 > e1);
    await waitProgress(zk, root, "s", (x) => (x.last ?? 0) >= Date.now() - 500, "m2 firing on time");
    m1.proc.kill("SIGCONT");
    const resumedAt = Date.now();
    // m1 wakes with its old term's timers due: anything it writes must be refused by the epoch check.
    const slots = await check(zk, root, resumedAt);
    console.log(
      `[${backend().name}] schedule across SIGSTOP: resumed after ${resumedAt - stoppedAt} ms, ${slots.length} slots, each once`,
    );
  });
});
