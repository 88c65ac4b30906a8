/**
 * delivery "fenced", for real. (1) The running handler's AbortSignal fires the moment the task's
 * version moves on (its token stops being current), where at-least-once's runs on until a status
 * appears. (2) End to end against a real store — SQLite through better-sqlite3, written with
 * `… WHERE claims.token < ?` (fixtures/ledger.ts) — through worker SIGSTOP (a zombie resumed after its
 * tasks were re-run elsewhere) and SIGKILL: exactly one effect per task with fenced, duplicates with
 * at-least-once. Both servers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { ZooKeeperClient } from "../../src/client/index.js";
import { forEachBackend, uniqueRoot, type Backend } from "../harness/backends.js";
import {
  Master,
  Submitter,
  TaskAbortError,
  Worker,
  type Delivery,
  type TaskContext,
} from "../../src/tasks/index.js";
import { openLedger } from "./fixtures/ledger.js";
import { cleanup, client } from "./helpers.js";
import { startRole, type RoleProcess } from "./processes.js";

async function cluster(backend: Backend, label: string): Promise<{ root: string; zk: ZooKeeperClient }> {
  const root = uniqueRoot(label);
  const zk = await client(backend);
  await zk.create(root, null);
  const master = new Master(zk, { root });
  cleanup(() => master.close());
  await master.start();
  return { root, zk };
}

/**
 * SIGSTOPs `w` at a moment it holds no write lock on the ledger: stopped inside a write transaction (a
 * fenced claim commits as a task starts), it would block every other worker's writes — better-sqlite3
 * waits for a lock on the event loop, so their sessions expired too and no worker was left (a run hung).
 */
async function stopOutsideLedger(w: RoleProcess, file: string): Promise<void> {
  const probe = new Database(file);
  probe.pragma("busy_timeout = 0");
  try {
    for (;;) {
      await w.kill("SIGSTOP");
      try {
        probe.exec("BEGIN IMMEDIATE; ROLLBACK");
        return;
      } catch {
        await w.kill("SIGCONT");
        await new Promise((resolve) => setTimeout(resolve, 5)); // let its transaction finish
      }
    }
  } finally {
    probe.close();
  }
}

/** Resolves when `path` is deleted (an exists watch, set again on other events). */
function deleted(zk: ZooKeeperClient, path: string): Promise<void> {
  return new Promise((resolve) => {
    const arm = (): void =>
      void zk.exists(path, { watch: (e) => (e.type === "NodeDeleted" ? resolve() : arm()) }).then((s) => {
        if (s === null) resolve();
      });
    arm();
  });
}

forEachBackend("tasks: delivery fenced", (backend) => {
  for (const delivery of ["fenced", "at-least-once"] as const)
    test(`${delivery}: a version bump while the handler runs ${delivery === "fenced" ? "aborts it at once (revoked)" : "does not abort it; only a cancel does"}`, async () => {
      const { root, zk } = await cluster(backend(), `fence-sig-${delivery}`);
      const wzk = await client(backend());
      let started = (): void => undefined;
      const running = new Promise<void>((r) => (started = r));
      let aborted = (_: string): void => undefined;
      const reason = new Promise<string>((r) => (aborted = r));
      const wait = (ctx: TaskContext): Promise<null> => {
        ctx.signal.addEventListener("abort", () => aborted((ctx.signal.reason as TaskAbortError).reason));
        started();
        return new Promise<null>(() => undefined);
      };
      const w = new Worker(wzk, { wait }, { root, id: "w" });
      cleanup(() => w.close());
      await w.start();
      const h = await new Submitter(zk, { root }).submit("wait", null, { delivery });
      await running;
      // What takes a task away from a live worker (an admin change, a requeue) moves its version on.
      const { data, stat } = await zk.getData(`${root}/tasks/${h.key}`);
      await zk.setData(`${root}/tasks/${h.key}`, data, stat.version);
      if (delivery === "at-least-once") await h.cancel();
      assert.equal(await reason, delivery === "fenced" ? "revoked" : "cancelled");
    });

  test("SQLite ledger through worker SIGSTOP and SIGKILL: one effect per task fenced, duplicates at-least-once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "overseer-fenced-"));
    cleanup(async () => rmSync(dir, { recursive: true, force: true }));
    const effects: Record<Delivery, number[]> = { fenced: [], "at-least-once": [], "at-most-once": [] };
    for (const delivery of ["at-least-once", "fenced"] as const) {
      const { root, zk } = await cluster(backend(), `fence-${delivery}`);
      const file = join(dir, `${delivery}.db`);
      openLedger(file).close();
      const cs = backend().connectString;
      const role = (id: string): ReturnType<typeof startRole> =>
        startRole("worker", cs, root, id, 4, `ledger=${file}`);
      const [w1, w2] = await Promise.all([role("w1"), role("w2")]);
      const sub = new Submitter(zk, { root });
      const batch = (n: number): ReturnType<Submitter["submitMany"]> =>
        sub.submitMany(
          Array.from({ length: n }, () => ({
            type: "transfer",
            payload: { ms: 500 },
            options: { delivery, attempts: 3 },
          })),
        );
      const first = await batch(16);

      // SIGSTOP w1 mid-task; its session expires, its tasks are re-run on w2; then it resumes (a zombie).
      await w1.waitFor((l) => "started" in l, "a task started on w1");
      const gone = deleted(zk, `${root}/workers/w1`);
      await stopOutsideLedger(w1, file);
      const onW1 = w1.lines.filter((l) => "started" in l).map((l) => String(l["started"]));
      await gone;
      const byId = new Map(first.map((h) => [h.id, h]));
      for (const id of onW1) await byId.get(id)?.result();
      await w1.kill("SIGCONT");
      for (const id of onW1) await w1.waitFor((l) => l["effect"] === id, `the zombie's write of ${id}`);

      // SIGKILL w2 mid-task; a fresh worker takes over.
      const w3 = await role("w3");
      const mark = w2.lines.length;
      const second = await batch(16);
      await w2.waitFor((l) => "started" in l && w2.lines.indexOf(l) >= mark, "a task started on w2");
      await w2.kill("SIGKILL");
      for (const h of [...first, ...second]) assert.match(String(await h.result()), /applied/);
      await w3.kill("SIGKILL");
      await w1.kill("SIGKILL");

      const db = openLedger(file);
      const rows = db.prepare("SELECT task, COUNT(*) AS n FROM effects GROUP BY task").all() as {
        n: number;
      }[];
      db.close();
      assert.equal(rows.length, 32, `${delivery}: every task has an effect`);
      effects[delivery] = rows.map((r) => r.n);
    }
    const dupes = effects["at-least-once"].filter((n) => n > 1).length;
    assert.ok(dupes > 0, `at-least-once: the zombie's writes are duplicates (${dupes} tasks)`);
    assert.deepEqual(
      effects.fenced,
      effects.fenced.map(() => 1),
      "fenced: exactly one effect per task",
    );
  });
});
