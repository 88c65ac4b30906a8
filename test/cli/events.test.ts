/**
 * `overseer events --json` follows a cluster from another process and misses no final state: started
 * before 200 submissions, it prints a `completed` line for each of the 200 — with the embedded server
 * SIGKILLed and restarted in the middle, and on a 3-node Apache ensemble with each member killed in turn.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ZooKeeperClient } from "../../src/client/index.js";
import { Master, Submitter, Worker, type TaskContext, type TaskHandle } from "../../src/tasks/index.js";
import { skipUnlessApacheZooKeeper, startApacheEnsemble } from "../harness/apache-zk.js";
import { startChildServer } from "../server/child-server.js";
import { CLI_MAIN } from "../harness/cli.js";

const SESSION = 8000;
const N = 200;

interface Follower {
  completed: Map<string, number>;
  /** completed lines not marked replayed, per id */
  plain: Map<string, number>;
  waitAll: (ids: string[]) => Promise<void>;
  stop: () => Promise<void>;
}

/** Starts `overseer events --json` and resolves once it follows. */
async function follow(connect: string, root: string): Promise<Follower> {
  const proc: ChildProcess = spawn(
    process.execPath,
    [CLI_MAIN, "events", "--json", "--connect", connect, "--root", root],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const completed = new Map<string, number>();
  const plain = new Map<string, number>();
  let progress = (): void => undefined;
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
    const lines = out.split("\n");
    out = lines.pop() ?? "";
    for (const l of lines) {
      const e = JSON.parse(l) as { event: string; id: string; type: string; at: number; replayed?: boolean };
      assert.equal(typeof e.at, "number");
      if (e.event !== "completed") continue;
      completed.set(e.id, (completed.get(e.id) ?? 0) + 1);
      if (e.replayed !== true) plain.set(e.id, (plain.get(e.id) ?? 0) + 1);
    }
    progress();
  });
  let err = "";
  await new Promise<void>((resolve, reject) => {
    proc.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      if (err.includes("following task events")) resolve();
    });
    proc.once("exit", (code) => reject(new Error(`overseer events exited (${code}): ${err}`)));
  });
  return {
    completed,
    plain,
    waitAll: (ids) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const missing = ids.filter((id) => !completed.has(id));
          // What the follower said (its log goes to stderr) and whether it is still running.
          const exited =
            proc.exitCode === null && proc.signalCode === null
              ? "running"
              : `exited ${proc.exitCode ?? proc.signalCode}`;
          reject(
            new Error(
              `no completed line for ${missing.length}: ${missing.slice(0, 5).join(", ")}… ` +
                `(overseer events ${exited}; its stderr ends: ${err.slice(-2000)})`,
            ),
          );
        }, 30_000);
        progress = () => {
          if (ids.every((id) => completed.has(id))) {
            clearTimeout(timer);
            resolve();
          }
        };
        progress();
      }),
    stop: async () => {
      proc.kill("SIGTERM");
      if (proc.exitCode === null) await new Promise((r) => proc.once("exit", r));
    },
  };
}

async function cluster(connect: string, root: string) {
  const zk = new ZooKeeperClient({ connectString: connect, sessionTimeout: SESSION, reconnectDelay: 50 });
  await zk.connect();
  await zk.create(root, null).catch(() => undefined);
  const master = new Master(zk, { root });
  await master.start();
  const worker = new Worker(
    zk,
    { echo: (ctx: TaskContext<number>) => ctx.payload },
    { root, concurrency: 8 },
  );
  await worker.start();
  const sub = new Submitter(zk, { root });
  return {
    sub,
    close: async () => {
      await worker.close();
      await master.close();
      await zk.close();
    },
  };
}

/** Submits ids [from, to) and returns their handles. */
async function submitRange(sub: Submitter, from: number, to: number): Promise<TaskHandle[]> {
  const handles: TaskHandle[] = [];
  for (let i = from; i < to; i++) handles.push(await sub.submit("echo", i, { id: `e-${i}` }));
  return handles;
}

function check(f: Follower, ids: string[]): void {
  for (const id of ids) {
    assert.ok((f.completed.get(id) ?? 0) >= 1, `${id}: completed printed`);
    // A repeat is allowed only as a replay after a reconnect, marked: at most one unmarked line.
    assert.ok((f.plain.get(id) ?? 0) <= 1, `${id}: printed unmarked ${f.plain.get(id)} times`);
  }
}

const ids = Array.from({ length: N }, (_, i) => `e-${i}`);

test("embedded: a completed line for each of 200 tasks, with the server SIGKILLed and restarted mid-run", async () => {
  const dir = mkdtempSync(join(tmpdir(), "overseer-events-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // Sessions outlive a slow restart: with tickTime 100 alone the server caps them at 2 s, and the follower
  // (default reconnect delay, up to 1 s between attempts) could lose its session while the server restarts.
  const opts = { tickTime: 100, maxSessionTimeout: 30_000 };
  let server = await startChildServer(dir, 0, opts);
  const port = server.port;
  after(() => server.kill());
  const connect = `127.0.0.1:${port}`;
  const root = "/events-restart";
  const c = await cluster(connect, root);
  after(() => c.close());
  const f = await follow(connect, root);
  after(() => f.stop());
  const first = await submitRange(c.sub, 0, N / 2);
  await Promise.all(first.slice(0, 20).map((h) => h.result()));
  await server.kill("SIGKILL");
  server = await startChildServer(dir, port, opts);
  const second = await submitRange(c.sub, N / 2, N);
  await Promise.all([...first, ...second].map((h) => h.result()));
  await f.waitAll(ids);
  check(f, ids);
});

test(
  "Apache 3-node ensemble: a completed line for each of 200 tasks, each member killed in turn",
  { skip: skipUnlessApacheZooKeeper() },
  async () => {
    const ens = await startApacheEnsemble(3, { tickTime: 100 });
    after(() => ens.stop());
    const root = "/events-ensemble";
    const c = await cluster(ens.connectString, root);
    after(() => c.close());
    const f = await follow(ens.connectString, root);
    after(() => f.stop());
    const handles: TaskHandle[] = [];
    const per = Math.ceil(N / ens.members.length);
    for (const [i, m] of ens.members.entries()) {
      const batch = submitRange(c.sub, i * per, Math.min(N, (i + 1) * per));
      await m.kill();
      handles.push(...(await batch));
      await m.start();
    }
    await Promise.all(handles.map((h) => h.result()));
    await f.waitAll(ids);
    check(f, ids);
  },
);
