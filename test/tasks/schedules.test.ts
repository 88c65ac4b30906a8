/** Schedules end to end with a real master: cron in a time zone, limit, end, pause/resume, remove, bad specs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { Layout, Master, ScheduleNotFoundError, Schedules, Worker } from "../../src/tasks/index.js";
import { keyOfId } from "../../src/tasks/layout.js";
import { cleanup, client } from "./helpers.js";
import { assertContiguous, firedSlots, progressOf, waitProgress } from "./schedule-helpers.js";

forEachBackend("tasks: schedules", (backend) => {
  async function cluster(label: string) {
    const root = uniqueRoot(label);
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(await client(backend()), { root, id: "m" });
    cleanup(() => master.close());
    await master.start();
    await master.waitForLeadership();
    const schedules = new Schedules(zk, { root });
    // A 1 s clock schedule: "two more of its firings" is how the tests let time pass without sleeping.
    await schedules.upsert("clock", { every: "1s" }, { type: "tick" });
    const ticks = async (n: number): Promise<void> => {
      const now = (await progressOf(zk, root, "clock")).fired;
      await waitProgress(zk, root, "clock", (p) => p.fired >= now + n, `${n} clock ticks`);
    };
    return { root, zk, master, schedules, ticks };
  }

  test("a cron schedule in a time zone fires at its instant, as a task a worker runs", async () => {
    const { root, zk, schedules } = await cluster("s-cron");
    let ran!: (id: string) => void;
    const running = new Promise<string>((r) => (ran = r));
    const hello = (ctx: { id: string; payload: unknown }): unknown => (ran(ctx.id), ctx.payload);
    const w = new Worker(await client(backend()), { hello }, { root, id: "w" });
    cleanup(() => w.close());
    await w.start();
    // The wall-clock second 3 s from now, written in Kathmandu time (UTC+5:45): right only if tz is applied.
    const target = Math.ceil(Date.now() / 1000) * 1000 + 3000;
    const local = new Date(target + (5 * 60 + 45) * 60_000);
    const cron = `${local.getUTCSeconds()} ${local.getUTCMinutes()} ${local.getUTCHours()} * * *`;
    await schedules.upsert(
      "kathmandu",
      { cron, tz: "Asia/Kathmandu" },
      { type: "hello", payload: "namaste" },
    );
    const info = await schedules.get("kathmandu");
    assert.equal(info?.next, target);
    await waitProgress(zk, root, "kathmandu", (p) => p.fired === 1, "the cron firing");
    assert.deepEqual(await firedSlots(zk, root, "kathmandu"), [target]);
    const { data, stat } = await zk.getData(new Layout(root).task(keyOfId(`kathmandu@${target}`)));
    assert.ok(stat.ctime >= target - 50, `created at its instant (${stat.ctime - target} ms)`);
    assert.equal((JSON.parse(data?.toString() ?? "{}") as { payload: string }).payload, "namaste");
    assert.equal(await running, `kathmandu@${target}`, "a worker ran the firing");
    assert.equal((await schedules.get("kathmandu"))?.next, target + 86_400_000);
  });

  test("limit and end stop a schedule; list reports it finished", async () => {
    const { root, zk, schedules, ticks } = await cluster("s-limit");
    await schedules.upsert("twice", { every: "1s", limit: 2 }, { type: "t" });
    const end = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000);
    await schedules.upsert("until", { every: "1s", end }, { type: "t" });
    await waitProgress(zk, root, "twice", (p) => p.fired === 2, "two firings");
    await ticks(Math.ceil((end.getTime() - Date.now()) / 1000) + 2);
    assert.equal((await firedSlots(zk, root, "twice")).length, 2);
    const until = await firedSlots(zk, root, "until");
    assert.ok(until.length >= 2 && until.every((s) => s <= end.getTime()), `slots ≤ end: ${until.join(",")}`);
    assert.equal(until.at(-1), end.getTime());
    assertContiguous(until, 1000);
    const list = await schedules.list();
    assert.deepEqual(
      list.map((s) => [s.id, s.status, s.next]),
      [
        ["clock", "active", list[0]?.next],
        ["twice", "finished", null],
        ["until", "finished", null],
      ],
    );
  });

  test("pause stops firing at once; resume fires again and counts the paused slots as missed", async () => {
    const { root, zk, schedules, ticks } = await cluster("s-pause");
    await schedules.upsert("p", { every: "1s", missed: "skip" }, { type: "t" });
    await waitProgress(zk, root, "p", (p) => p.fired >= 1, "a first firing");
    await schedules.pause("p");
    const pausedAt = Date.now();
    const before = await firedSlots(zk, root, "p");
    assert.equal((await schedules.get("p"))?.status, "paused");
    await ticks(3);
    assert.deepEqual(await firedSlots(zk, root, "p"), before, "nothing fired while paused");
    await schedules.resume("p");
    const resumedAt = Date.now();
    const p = await waitProgress(zk, root, "p", (x) => x.fired > before.length, "a firing after resume");
    const after = (await firedSlots(zk, root, "p")).slice(before.length);
    assert.ok(
      after.every((s) => s > resumedAt - 1000),
      `no slot of the pause fired: ${after.join(",")}`,
    );
    assert.ok(p.missed >= Math.floor((resumedAt - pausedAt) / 1000) - 1, `missed ${p.missed}`);
    await assert.rejects(schedules.pause("nope"), ScheduleNotFoundError);
  });

  test("remove stops a schedule for good (its fired tasks stay); upsert updates in place", async () => {
    const { root, zk, schedules, ticks } = await cluster("s-rm");
    assert.deepEqual(await schedules.upsert("r", { every: "1s" }, { type: "a" }), { created: true });
    assert.deepEqual(await schedules.upsert("r", { every: "1s" }, { type: "b" }), { created: false });
    await waitProgress(zk, root, "r", (p) => p.fired >= 1, "a firing");
    assert.equal(await schedules.remove("r"), true);
    assert.equal(await schedules.remove("r"), false);
    const left = await firedSlots(zk, root, "r");
    await ticks(2);
    assert.deepEqual(await firedSlots(zk, root, "r"), left);
    assert.equal(await zk.exists(new Layout(root).schedule("r")), null);
    assert.deepEqual(
      (await schedules.list()).map((s) => s.id),
      ["clock"],
    );
  });

  test("missed all: slots from before any master ran are caught up, large payloads a multi each", async () => {
    const root = uniqueRoot("s-gap");
    const zk = await client(backend());
    await zk.create(root, null);
    // Created "2 s ago" by its clock: the slots of those 2 s came while no master ran.
    const early = new Schedules(zk, { root, now: () => Date.now() - 2000 });
    const payload = "x".repeat(400_000);
    await early.upsert("big", { every: "500ms", missed: "all", limit: 5 }, { type: "t", payload });
    const startedAt = Date.now();
    const master = new Master(await client(backend()), { root, id: "m" });
    cleanup(() => master.close());
    await master.start();
    const p = await waitProgress(zk, root, "big", (x) => x.fired === 5, "five firings");
    const slots = await firedSlots(zk, root, "big");
    assert.equal(slots.length, 5);
    assertContiguous(slots, 500);
    assert.ok((slots[2] ?? Infinity) <= startedAt, "the first slots were caught up");
    assert.equal(p.missed, 0);
  });

  test("invalid specs are rejected before anything is written", async () => {
    const root = uniqueRoot("s-bad");
    const zk = await client(backend());
    await zk.create(root, null);
    const schedules = new Schedules(zk, { root });
    for (const spec of [{ every: "1 s" }, { cron: "* * *" }, { cron: "0 9 * * *", tz: "Europe/Atlantis" }])
      await assert.rejects(schedules.upsert("bad", spec, { type: "t" }), InvalidArgumentError);
    await assert.rejects(schedules.upsert("bad/id", { every: "1s" }, { type: "t" }), InvalidArgumentError);
    assert.equal(await zk.exists(new Layout(root).schedules), null);
  });
});
