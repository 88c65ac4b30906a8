/**
 * Zombies: a worker or a master paused with SIGSTOP past its session timeout, then resumed. The worker's
 * late results must be rejected (with delivery "fenced", exactly one result committed per task); the
 * master must not get a single write through once the new master's epoch has begun.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import {
  Master,
  Submitter,
  Worker,
  type CommittedEvent,
  type ReassignedEvent,
  type TaskContext,
} from "../../src/tasks/index.js";
import { cleanup, client, SESSION_TIMEOUT, until } from "./helpers.js";
import { startRole } from "./processes.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

forEachBackend("tasks: paused zombies", (backend) => {
  test("worker SIGSTOPped past its session, resumed: its late results are rejected; fenced → one result per task", async () => {
    const root = uniqueRoot("w-stop");
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(zk, { root, id: "m" });
    cleanup(() => master.close());
    const reassigned: ReassignedEvent[] = [];
    master.on("reassigned", (e) => reassigned.push(e));
    await master.start();
    const victim = await startRole("worker", backend().connectString, root, "victim", 4);
    const sub = new Submitter(zk, { root });
    // The victim's handlers finish 1 s after they start: while it is stopped, so right after SIGCONT.
    const handles = await sub.submitMany(
      [1, 2, 3, 4].map((i) => ({
        type: "sleep",
        payload: { ms: 1000, ignoreAbort: true },
        options: { id: `z-${i}`, delivery: "fenced" as const },
      })),
    );
    for (const h of handles) await victim.waitFor((l) => l["started"] === h.id, `start of ${h.id}`);
    victim.proc.kill("SIGSTOP");
    const stoppedAt = Date.now();
    await until(
      (cb) => (master.on("reassigned", cb), () => master.off("reassigned", cb)),
      () => reassigned.length === 4,
      "the victim's 4 tasks taken back",
    );
    assert.ok(Date.now() - stoppedAt >= SESSION_TIMEOUT * 0.9, "taken back only after its session expired");
    const committed: CommittedEvent[] = [];
    const wzk = await client(backend());
    const backupRun = (ctx: TaskContext<unknown>): string => `backup:${ctx.id}:${ctx.token}`;
    const backup = new Worker(wzk, { sleep: backupRun }, { root, id: "backup", concurrency: 4 });
    backup.on("committed", (e) => committed.push(e));
    cleanup(() => backup.close());
    await backup.start();
    const results = await Promise.all(handles.map((h) => h.result<string>()));
    victim.proc.kill("SIGCONT");
    // Give the resumed victim time to finish its handlers and try (and fail) to commit.
    await victim.waitFor((l) => "lost" in l, "the victim noticing its session is gone", 10_000);
    await sleep(500);
    for (const [i, h] of handles.entries()) {
      const started = victim.lines.find((l) => l["started"] === h.id);
      const token = Number(started?.["token"]);
      assert.match(results[i] ?? "", new RegExp(`^backup:${h.id}:\\d+$`));
      assert.ok(Number((results[i] ?? "").split(":")[2]) > token, "the backup ran with a greater token");
      const status = await zk.getData(h.statusPath);
      assert.equal(status.stat.version, 0, `${h.id}: status written once, never overwritten`);
      assert.equal((JSON.parse(status.data?.toString() ?? "{}") as { worker?: string }).worker, "backup");
    }
    const late = victim.lines.filter((l) => "committed" in l);
    assert.deepEqual(late, [], "no result of the zombie was committed");
    const perTask = new Map<string, number>();
    for (const e of committed) perTask.set(e.id, (perTask.get(e.id) ?? 0) + 1);
    assert.deepEqual([...perTask.values()], [1, 1, 1, 1], "exactly one committed result per task (fenced)");
    const rejected = victim.lines.filter((l) => "rejected" in l).length;
    console.log(`[${backend().name}] paused worker: ${rejected} late commit(s) rejected by the token check`);
  });

  test("master SIGSTOPped past its session, resumed: none of its writes succeed after the new epoch", async () => {
    const root = uniqueRoot("m-stop");
    const zk = await client(backend());
    await zk.create(root, null);
    const m1 = await startRole("master", backend().connectString, root, "m1");
    const e1 = Number((await m1.waitFor((l) => "leader" in l, "m1 leading"))["leader"]);
    const m2 = new Master(await client(backend()), { root, id: "m2" });
    cleanup(() => m2.close());
    const terms: { epoch: number; t: number }[] = [];
    const m2Assigned: number[] = [];
    m2.on("term", (e) => terms.push({ epoch: e.epoch, t: Date.now() }));
    m2.on("assigned", (e) => m2Assigned.push(e.epoch));
    await m2.start();
    const runs: string[] = [];
    const wzk = await client(backend());
    const run = async (ctx: TaskContext<{ ms: number }>): Promise<string> => {
      runs.push(ctx.id);
      await sleep(ctx.payload.ms);
      return ctx.id;
    };
    const w = new Worker(wzk, { sleep: run }, { root, id: "w", concurrency: 8 });
    cleanup(() => w.close());
    await w.start();
    const sub = new Submitter(zk, { root });
    const spec = (
      p: string,
      n: number,
    ): { type: string; payload: { ms: number }; options: { id: string } }[] =>
      Array.from({ length: n }, (_, i) => ({
        type: "sleep",
        payload: { ms: 20 },
        options: { id: `${p}-${i}` },
      }));
    const first = await sub.submitMany(spec("a", 40));
    await Promise.all(first.map((h) => h.result()));
    m1.proc.kill("SIGSTOP");
    const stoppedAt = Date.now();
    // Tasks submitted while m1 is frozen: their watch events wait in its socket for when it resumes.
    const second = await sub.submitMany(spec("b", 40));
    const e2 = await m2.waitForLeadership();
    assert.ok(e2 > e1, `a newer epoch began (${e1} → ${e2})`);
    await Promise.all(second.map((h) => h.result()));
    m1.proc.kill("SIGCONT");
    const resumedAt = Date.now();
    const third = await sub.submitMany(spec("c", 40));
    await Promise.all(third.map((h) => h.result()));
    await sleep(SESSION_TIMEOUT);
    const m1Assigned = m1.lines.filter((l) => "assigned" in l);
    assert.ok(m1Assigned.length >= 40, "m1 assigned the first batch");
    assert.deepEqual(
      m1Assigned.filter((l) => Number(l["t"]) >= stoppedAt),
      [],
      "m1 assigned nothing after it was stopped (nor after it resumed)",
    );
    assert.ok(m1Assigned.every((l) => Number(l["epoch"]) === e1));
    assert.ok(
      m2Assigned.length >= 80 && m2Assigned.every((e) => e === e2),
      "m2 assigned under its epoch only",
    );
    assert.ok(terms[0] !== undefined && terms[0].epoch === e2);
    assert.equal(runs.length, 120, `every task ran once: ${runs.length - new Set(runs).size} re-runs`);
    console.log(
      `[${backend().name}] paused master: resumed ${resumedAt - stoppedAt} ms after SIGSTOP, ${m1.lines.filter((l) => "error" in l).length} refused term(s) reported; 0 writes after epoch ${e2}`,
    );
  });
});
