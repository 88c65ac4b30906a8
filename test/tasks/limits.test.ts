/** Rate and concurrency limits and fair groups, end to end on both servers (master SIGKILL included). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { Master, Submitter, TaskLimits, Worker, type TaskContext } from "../../src/tasks/index.js";
import type { ZooKeeperClient } from "../../src/client/index.js";
import { keyOfId, Layout } from "../../src/tasks/layout.js";
import { cleanup, client } from "./helpers.js";
import { startRole } from "./processes.js";
import { runCli } from "../cli/run-cli.js";

/** The most starts in any window of `per` ms (a window is (t - per, t]). */
function busiestWindow(times: number[], per: number): number {
  const s = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while ((s[j] as number) <= (s[i] as number) - per) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

forEachBackend("tasks: limits and fair groups", (backend) => {
  async function master(root: string, id = "m"): Promise<Master> {
    const m = new Master(await client(backend()), { root, id });
    cleanup(() => m.close());
    await m.start();
    return m;
  }

  /** A worker whose "r" handler records the start time its assignment carries (the master's stamp). */
  async function stampWorker(root: string, starts: number[], concurrency = 16): Promise<void> {
    const wzk = await client(backend());
    const layout = new Layout(root);
    const r = async (ctx: TaskContext): Promise<null> => {
      const a = await wzk.getData(layout.assignment("w", keyOfId(ctx.id)));
      starts.push((JSON.parse(a.data?.toString() ?? "{}") as { at: number }).at);
      return null;
    };
    const w = new Worker(wzk, { r }, { root, id: "w", concurrency });
    cleanup(() => w.close());
    await w.start();
  }

  async function setup(label: string): Promise<{ root: string; zk: ZooKeeperClient; sub: Submitter }> {
    const root = uniqueRoot(label);
    const zk = await client(backend());
    await zk.create(root, null);
    return { root, zk, sub: new Submitter(zk, { root }) };
  }

  test("--rate 20/1s: 100 tasks never start more than 20 in any 1 s window, across a master SIGKILL", async () => {
    const { root, zk, sub } = await setup("rate");
    await new TaskLimits(zk, { root }).set("r", { rate: "20/1s" });
    const m1 = await startRole("master", backend().connectString, root, "m1", 4, "quiet");
    await m1.waitFor((l) => "leader" in l, "m1 leading");
    const backup = await master(root, "m2");
    const starts: number[] = [];
    await stampWorker(root, starts);
    const handles = await sub.submitMany(Array.from({ length: 100 }, () => ({ type: "r", payload: null })));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => starts.length >= 30 && (clearInterval(check), resolve()), 5);
    });
    await m1.kill("SIGKILL");
    await backup.waitForLeadership();
    await Promise.all(handles.map((h) => h.result()));
    assert.equal(starts.length, 100);
    assert.ok(busiestWindow(starts, 1000) <= 20, `busiest 1 s window: ${busiestWindow(starts, 1000)}`);
  });

  test("--rate 20/1s holds across a SIGSTOP of the active master (resumed after the backup took over)", async () => {
    const { root, zk, sub } = await setup("rate-stop");
    await new TaskLimits(zk, { root }).set("r", { rate: "20/1s" });
    const m1 = await startRole("master", backend().connectString, root, "m1", 4, "quiet");
    await m1.waitFor((l) => "leader" in l, "m1 leading");
    const backup = await master(root, "m2");
    const starts: number[] = [];
    await stampWorker(root, starts);
    const handles = await sub.submitMany(Array.from({ length: 60 }, () => ({ type: "r", payload: null })));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => starts.length >= 25 && (clearInterval(check), resolve()), 5);
    });
    await m1.kill("SIGSTOP");
    await backup.waitForLeadership();
    await m1.kill("SIGCONT"); // a deposed master with writes queued: its epoch check fails them
    await Promise.all(handles.map((h) => h.result()));
    assert.equal(starts.length, 60);
    assert.ok(busiestWindow(starts, 1000) <= 20, `busiest 1 s window: ${busiestWindow(starts, 1000)}`);
  });

  test("a new master counts the starts its predecessor made in the window (10/3s, SIGKILL mid-window)", async () => {
    const { root, zk, sub } = await setup("rate-window");
    await new TaskLimits(zk, { root }).set("r", { rate: "10/3s" });
    const m1 = await startRole("master", backend().connectString, root, "m1", 4, "quiet");
    await m1.waitFor((l) => "leader" in l, "m1 leading");
    const backup = await master(root, "m2");
    const starts: number[] = [];
    await stampWorker(root, starts);
    const handles = await sub.submitMany(Array.from({ length: 20 }, () => ({ type: "r", payload: null })));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => starts.length >= 10 && (clearInterval(check), resolve()), 5);
    });
    await m1.kill("SIGKILL");
    await backup.waitForLeadership();
    const tookOverAt = Date.now();
    await Promise.all(handles.map((h) => h.result()));
    const sorted = [...starts].sort((a, b) => a - b);
    // The backup led before the window ended, and still waited for it.
    assert.ok(tookOverAt < (sorted[0] as number) + 3000, "took over within the first window");
    assert.ok(busiestWindow(starts, 3000) <= 10, `busiest 3 s window: ${busiestWindow(starts, 3000)}`);
  });

  test("--concurrency 3 never has 4 running; a live change to 1, then its removal, take effect", async () => {
    const { root, zk, sub } = await setup("conc");
    const limits = new TaskLimits(zk, { root });
    await limits.set("c", { concurrency: 3 });
    await master(root);
    let running = 0;
    let most = 0;
    const c = async (ctx: TaskContext<{ ms: number }>): Promise<null> => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, ctx.payload.ms));
      running--;
      return null;
    };
    for (const id of ["w1", "w2"]) {
      const w = new Worker(await client(backend()), { c }, { root, id, concurrency: 8 });
      cleanup(() => w.close());
      await w.start();
    }
    const batch = async (n: number, ms = 30): Promise<number> => {
      most = 0;
      const hs = await sub.submitMany(Array.from({ length: n }, () => ({ type: "c", payload: { ms } })));
      await Promise.all(hs.map((h) => h.result()));
      return most;
    };
    assert.equal(await batch(30), 3, "at most 3 at once, and 3 reached");
    // What `overseer limit ls` and the dashboard show while 3 run and 3 wait.
    const slow = await sub.submitMany(Array.from({ length: 6 }, () => ({ type: "c", payload: { ms: 400 } })));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => running === 3 && (clearInterval(check), resolve()), 5);
    });
    const [use] = await limits.usage();
    assert.deepEqual([use?.type, use?.held, use?.heldByGroup, use?.started], ["c", 3, { "": 3 }, null]);
    await Promise.all(slow.map((h) => h.result()));
    await limits.set("c", { concurrency: 1 });
    assert.equal(await batch(8), 1, "after the live change: one at a time");
    assert.equal(await limits.remove("c"), true);
    assert.ok((await batch(16, 300)) > 3, "without a limit: more than 3 at once");
  });

  test("group limits apply to each group separately (groupConcurrency 2, groupRate 6/1s)", async () => {
    const { root, zk, sub } = await setup("group-limits");
    await new TaskLimits(zk, { root }).set("g", { groupConcurrency: 2, groupRate: "6/1s" });
    await master(root);
    const wzk = await client(backend());
    const layout = new Layout(root);
    const running = new Map<string, number>();
    const most = new Map<string, number>();
    const starts = new Map<string, number[]>();
    const g = async (ctx: TaskContext<{ g: string }>): Promise<null> => {
      const grp = ctx.payload.g;
      const n = (running.get(grp) ?? 0) + 1;
      running.set(grp, n);
      most.set(grp, Math.max(most.get(grp) ?? 0, n));
      const a = await wzk.getData(layout.assignment("w", keyOfId(ctx.id)));
      starts.set(grp, [
        ...(starts.get(grp) ?? []),
        (JSON.parse(a.data?.toString() ?? "{}") as { at: number }).at,
      ]);
      await new Promise((r) => setTimeout(r, 50));
      running.set(grp, (running.get(grp) ?? 1) - 1);
      return null;
    };
    const w = new Worker(wzk, { g }, { root, id: "w", concurrency: 16 });
    cleanup(() => w.close());
    await w.start();
    const groups = ["a", "b", "c"];
    const hs = await sub.submitMany(
      groups.flatMap((grp) =>
        Array.from({ length: 12 }, () => ({ type: "g", payload: { g: grp }, options: { group: grp } })),
      ),
    );
    await Promise.all(hs.map((h) => h.result()));
    for (const grp of groups) {
      assert.ok((most.get(grp) ?? 0) <= 2, `group ${grp}: ${most.get(grp)} at once`);
      assert.ok(busiestWindow(starts.get(grp) ?? [], 1000) <= 6, `group ${grp}: busiest 1 s window`);
    }
    // The groups do not share their allowance: more than one group's worth ran at once / per window.
    assert.ok(busiestWindow([...starts.values()].flat(), 1000) > 6, "the groups started in parallel");
  });

  test("fairness: a group's 20 tasks all start before 100 more of a 5,000-task group do", async () => {
    const { root, sub } = await setup("fair");
    await master(root);
    const order: string[] = [];
    const f = async (ctx: TaskContext<{ g: string }>): Promise<null> => {
      order.push(ctx.payload.g);
      await new Promise((r) => setTimeout(r, 5));
      return null;
    };
    const w = new Worker(await client(backend()), { f }, { root, id: "w", concurrency: 4, prefetch: 0 });
    cleanup(() => w.close());
    await w.start();
    for (let i = 0; i < 5000; i += 1000)
      await sub.submitMany(
        Array.from({ length: 1000 }, () => ({ type: "f", payload: { g: "big" }, options: { group: "big" } })),
      );
    await new Promise<void>((resolve) => {
      const check = setInterval(() => order.length >= 50 && (clearInterval(check), resolve()), 5);
    });
    const before = order.length;
    const small = await sub.submitMany(
      Array.from({ length: 20 }, () => ({ type: "f", payload: { g: "small" }, options: { group: "small" } })),
    );
    await Promise.all(small.map((h) => h.result()));
    const lastSmall = order.lastIndexOf("small");
    const bigMeanwhile = order.slice(before, lastSmall).filter((g) => g === "big").length;
    assert.ok(bigMeanwhile < 100, `${bigMeanwhile} tasks of the big group started meanwhile`);
    assert.ok(order.filter((g) => g === "big").length < 5000, "the big group was still queued");
  });

  test("invalid limits are rejected with clear errors and nothing is written; the CLI sets, lists, removes", async () => {
    const { root, zk } = await setup("invalid");
    const limits = new TaskLimits(zk, { root });
    await assert.rejects(
      limits.set("t", { rate: "20/1x" }),
      /rate: expected a duration like 500ms, 1s, 5m, 1h or 1d/,
    );
    await assert.rejects(limits.set("t", { concurrency: 0 }), /concurrency: expected an integer from 1/);
    await assert.rejects(limits.set("a/b", { concurrency: 1 }), /limits name types of/);
    await assert.rejects(limits.set("t", {}), /at least one of rate/);
    assert.deepEqual(await limits.list(), []);
    const connect = ["--connect", backend().connectString, "--root", root];
    const bad = await runCli(["limit", "set", "t", "--rate", "20", ...connect]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--rate: expected N\/<duration> such as 20\/1s/);
    const none = await runCli(["limit", "set", "t", ...connect]);
    assert.equal(none.code, 2);
    const ok = await runCli(["limit", "set", "t", "--rate", "20/1s", "--group-concurrency", "2", ...connect]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /t: rate 20\/1s, group concurrency 2/);
    const ls = await runCli(["limit", "ls", "--json", ...connect]);
    const listed = JSON.parse(ls.stdout) as { type: string; limits: unknown; held: number }[];
    assert.deepEqual(
      listed.map((e) => [e.type, e.limits, e.held]),
      [["t", { rate: { limit: 20, per: 1000 }, groupConcurrency: 2 }, 0]],
    );
    assert.equal((await runCli(["limit", "rm", "t", ...connect])).code, 0);
    assert.equal((await runCli(["limit", "rm", "t", ...connect])).code, 1);
    assert.deepEqual(await limits.list(), []);
  });
});
