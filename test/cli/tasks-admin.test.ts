/**
 * `overseer tasks ls|update|promote|rm|drain|obliterate` against an embedded server; tasks are written
 * with the library and no master runs, so every state the commands see is the one the test made.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { CreateMode, ZooKeeperClient } from "../../src/client/index.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { Submitter, TaskAdmin } from "../../src/tasks/index.js";
import { runCli } from "./run-cli.js";

describe("overseer tasks: the admin verbs", () => {
  let server: RunningServer;
  let zk: ZooKeeperClient;
  let connect: string[];
  const root = "/cli-admin";

  before(async () => {
    server = await startServer({ port: 0, tickTime: 100 });
    zk = new ZooKeeperClient({ connectString: server.connectString, sessionTimeout: 2000 });
    await zk.connect();
    await zk.create(root, null);
    connect = ["--connect", server.connectString, "--root", root];
    const sub = new Submitter(zk, { root });
    await sub.submitMany([
      { type: "a", payload: 1, options: { id: "w1" } },
      { type: "a", payload: 2, options: { id: "w2" } },
      { type: "b", payload: 3, options: { id: "later", delay: 600_000 } },
    ]);
  });
  after(async () => {
    await zk.close();
    await server.close();
  });

  test("ls filters by state and pages; update and promote change a pending task", async () => {
    const ls = await runCli(["tasks", "ls", "--state", "waiting", "--offset", "1", "--json", ...connect]);
    assert.equal(ls.code, 0, ls.stderr);
    const listed = JSON.parse(ls.stdout) as { total: number; tasks: { id: string }[] };
    assert.deepEqual([listed.total, listed.tasks.map((t) => t.id)], [2, ["w2"]]);

    const up = await runCli(["tasks", "update", "w1", '{"new":true}', ...connect]);
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual((await new TaskAdmin(zk, { root }).getTask("w1")).envelope?.payload, { new: true });

    const early = await runCli(["tasks", "promote", "w1", ...connect]);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /cannot promote w1: it is waiting/);
    const promoted = await runCli(["tasks", "promote", "later", ...connect]);
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.equal((await new TaskAdmin(zk, { root }).getTask("later")).state, "waiting");
  });

  test("rm removes a task (exit 1 for one that is not there); drain empties the waiting ones", async () => {
    const rm = await runCli(["tasks", "rm", "w2", "nope", ...connect]);
    assert.equal(rm.code, 1);
    assert.match(rm.stdout, /removed w2\nnope: no such task/);
    const drain = await runCli(["tasks", "drain", "--json", ...connect]);
    assert.equal(drain.code, 0, drain.stderr);
    assert.deepEqual(JSON.parse(drain.stdout), { removed: 2 });
    assert.equal((await new TaskAdmin(zk, { root }).getCounts()).total, 0);
  });

  test("submit stores --remove-on-complete and --remove-on-fail in the task's options", async () => {
    const r = await runCli([
      "submit",
      "a",
      "1",
      "--id",
      "kept-briefly",
      "--remove-on-complete",
      "age:5000",
      "--remove-on-fail",
      "3",
      ...connect,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const { options } = (await new TaskAdmin(zk, { root }).getTask("kept-briefly")).envelope ?? {};
    assert.deepEqual([options?.removeOnComplete, options?.removeOnFail], [{ age: 5000 }, 3]);
    const bad = await runCli(["submit", "a", "--remove-on-fail", "soon", ...connect]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--remove-on-fail must be true, a count or age:<ms>/);
    assert.equal(await new TaskAdmin(zk, { root }).remove("kept-briefly"), true);
  });

  test("obliterate needs --yes, is refused while a worker is registered, and goes ahead with --force", async () => {
    await new Submitter(zk, { root }).submit("a", 1, { id: "o1" });
    await zk.create(`${root}/workers`, null).catch(() => undefined);
    await zk.create(`${root}/workers/by-hand`, null, { mode: CreateMode.EPHEMERAL });
    const unconfirmed = await runCli(["tasks", "obliterate", ...connect]);
    assert.equal(unconfirmed.code, 2);
    const refused = await runCli(["tasks", "obliterate", "--yes", ...connect]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /1 worker\(s\) registered \(by-hand\)/);
    const forced = await runCli(["tasks", "obliterate", "--yes", "--force", "--json", ...connect]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(JSON.parse(forced.stdout), { removed: 1 });
  });
});
