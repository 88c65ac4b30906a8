import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { skipUnlessApacheZooKeeper, startApacheZooKeeper, type ApacheZooKeeper } from "./apache-zk.js";
import { openZkCli, type ZkCli } from "./zkcli.js";

describe("zkCli driver against Apache ZooKeeper", { skip: skipUnlessApacheZooKeeper() }, () => {
  let zk: ApacheZooKeeper;
  let a: ZkCli;
  let b: ZkCli;

  before(async () => {
    zk = await startApacheZooKeeper();
    const t0 = Date.now();
    [a, b] = await Promise.all([openZkCli(zk.connectString), openZkCli(zk.connectString)]);
    console.log(`two zkCli sessions connected in ${Date.now() - t0} ms`);
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await zk?.stop();
  });

  test("create / ls / get / stat / set / delete", async () => {
    assert.equal(await a.run('create /drv "hello world"'), "Created /drv");
    assert.equal(await a.run("create /drv/child"), "Created /drv/child");
    assert.equal(await a.run("ls /drv"), "[child]");
    assert.equal(await a.run("get /drv"), "hello world");
    const stat = await a.run("stat /drv");
    assert.match(stat, /^cZxid = 0x[0-9a-f]+$/m);
    assert.match(stat, /^dataLength = 11$/m);
    assert.match(stat, /^numChildren = 1$/m);
    assert.equal(await a.run("set /drv v2"), "");
    assert.match(await a.run("get -s /drv"), /^v2\ncZxid = [\s\S]*^dataVersion = 1$/m);
    assert.equal(await a.run("create -s /drv/task- x"), "Created /drv/task-0000000001");
    assert.equal(await a.run("deleteall /drv"), "");
    assert.equal(await a.run("get /drv"), "Node does not exist: /drv");
  });

  test("errors come back as output, in order with stdout", async () => {
    assert.equal(await a.run("delete /nope"), "Node does not exist: /nope");
    await a.run("create /dup");
    assert.equal(await a.run("create /dup"), "Node already exists: /dup");
    assert.match(await a.run("no-such-command"), /Command not found no-such-command$/);
  });

  test("legacy `ls path true` / `stat path true` forms still work (with a deprecation warning)", async () => {
    await a.run("create /legacy");
    assert.equal(
      await a.run("ls /legacy true"),
      "'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead.\n[]",
    );
    assert.match(await a.run("stat /legacy true"), /^'stat path \[watch\]' has been deprecated/);
    await b.run("create /legacy/kid");
    await a.waitFor(/type:NodeChildrenChanged path:\/legacy\n/);
    await b.run("set /legacy x");
    await a.waitFor(/type:NodeDataChanged path:\/legacy\n/);
  });

  test("a watch set by one session fires when another session changes the node", async () => {
    assert.match(await a.run("stat -w /master"), /Node does not exist: \/master/);
    assert.equal(await b.run("create -e /master b"), "Created /master");
    assert.equal(
      await a.waitFor(/WatchedEvent state:SyncConnected type:NodeCreated path:\/master/),
      "WatchedEvent state:SyncConnected type:NodeCreated path:/master",
    );
    assert.equal(await a.run("get -w /master"), "b");
    await b.run("delete /master");
    await a.waitFor(/type:NodeDeleted path:\/master\n/, 5000);
  });

  test("watch events are kept out of run() output but stay visible to waitFor()", async () => {
    await a.run("create /noisy 0");
    await a.run("addWatch -m PERSISTENT /noisy");
    for (let i = 1; i <= 5; i++) {
      // a's own writes trigger its persistent watch, so events interleave with command output.
      assert.equal(await a.run(`set /noisy ${i}`), "");
      assert.equal(await a.run("get /noisy"), String(i));
    }
    for (let i = 1; i <= 5; i++) await a.waitFor(/type:NodeDataChanged path:\/noisy\n/);
    await assert.rejects(a.waitFor(/type:NodeDataChanged path:\/noisy\n/, 300), /timed out/);
  });

  test("commands issued concurrently resolve in order with their own output", async () => {
    const paths = Array.from({ length: 8 }, (_, i) => `/conc${i}`);
    const created = await Promise.all(paths.map((p) => b.run(`create ${p} ${p}`)));
    assert.deepEqual(
      created,
      paths.map((p) => `Created ${p}`),
    );
    const read = await Promise.all(paths.map((p) => b.run(`get ${p}`)));
    assert.deepEqual(read, paths);
  });

  test("a killed zkCli's ephemeral node disappears when its session expires", async () => {
    const c = await openZkCli(zk.connectString, { sessionTimeoutMs: 1000 });
    await c.run("create -e /ephemeral c");
    await a.run("stat -w /ephemeral");
    const t0 = Date.now();
    await c.kill();
    assert.equal(await a.run("get /ephemeral"), "c");
    await a.waitFor(/type:NodeDeleted path:\/ephemeral\n/, 10_000);
    console.log(`ephemeral of a SIGKILLed zkCli (1 s session) gone after ${Date.now() - t0} ms`);
  });

  test("commands keep working after `close` (session closed) and report it", async () => {
    const c = await openZkCli(zk.connectString);
    try {
      assert.equal(await c.run("close"), "");
      assert.match(await c.run("ls /"), /Not connected|closed|Session/i);
      await c.waitFor(/state:Closed type:None path:null/);
    } finally {
      await c.close();
    }
  });
});
