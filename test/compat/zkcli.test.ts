/**
 * Apache's zkCli (Debian package `zookeeper`) against the embedded server, running the seed
 * walkthrough (seeds/004): a master race, /workers, /tasks, /assign, watches, sequential tasks.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { skipUnlessApacheZooKeeper } from "../harness/apache-zk.js";
import { openZkCli, type ZkCli } from "../harness/zkcli.js";
import { startServer, type RunningServer } from "../../src/server/index.js";

describe("zkCli against the embedded server", { skip: skipUnlessApacheZooKeeper() }, () => {
  let server: RunningServer;
  let a: ZkCli;
  let b: ZkCli;

  before(async () => {
    server = await startServer({ port: 0, tickTime: 200, fourLetterWords: "*" });
    [a, b] = await Promise.all([openZkCli(server.connectString), openZkCli(server.connectString)]);
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.close();
  });

  test("seed walkthrough: master race, workers, tasks, assignment, watches", async () => {
    const [ra, rb] = await Promise.all([
      a.run('create -e /master "master1.example.com:2223"'),
      b.run('create -e /master "master2.example.com:2223"'),
    ]);
    const results = [ra, rb].sort();
    assert.deepEqual(results, ["Created /master", "Node already exists: /master"]);
    const winner = ra === "Created /master" ? a : b;
    const loser = winner === a ? b : a;
    assert.match(await loser.run("get /master"), /^master\d\.example\.com:2223$/);

    assert.equal(await winner.run("create /workers"), "Created /workers");
    assert.equal(await winner.run("create /tasks"), "Created /tasks");
    assert.equal(await winner.run("create /assign"), "Created /assign");
    assert.equal(await winner.run("ls /"), "[assign, master, tasks, workers, zookeeper]");

    assert.match(await winner.run("ls /workers true"), /\n\[\]$/);
    assert.equal(
      await loser.run('create -e /workers/worker1.example.com "worker1.example.com:2224"'),
      "Created /workers/worker1.example.com",
    );
    await winner.waitFor(/type:NodeChildrenChanged path:\/workers\n/);

    assert.equal(await loser.run('create -s /tasks/task- "cmd"'), "Created /tasks/task-0000000000");
    assert.equal(
      await winner.run("create /assign/worker1.example.com"),
      "Created /assign/worker1.example.com",
    );
    assert.equal(
      await winner.run('create /assign/worker1.example.com/task-0000000000 ""'),
      "Created /assign/worker1.example.com/task-0000000000",
    );
    assert.equal(
      await loser.run('create /tasks/task-0000000000/status "done"'),
      "Created /tasks/task-0000000000/status",
    );
    const got = await winner.run("get -s /tasks/task-0000000000");
    assert.match(got, /^cmd\n/);
    assert.match(got, /^cversion = 1$/m);
    assert.match(got, /^numChildren = 1$/m);
    assert.equal(await winner.run("get /tasks/task-0000000000/status"), "done");

    assert.match(await loser.run("stat /master true"), /^ephemeralOwner = 0x[0-9a-f]+$/m);
    assert.equal(await winner.run("delete /master"), "");
    await loser.waitFor(/type:NodeDeleted path:\/master\n/);
  });

  test("ls -R, stat, getAllChildrenNumber, whoami, addWatch, deleteall", async () => {
    await a.run("create /r");
    await a.run("create /r/x");
    await a.run("create /r/x/y");
    assert.equal(await a.run("ls -R /r"), "/r\n/r/x\n/r/x/y");
    const stat = await a.run("stat /r");
    assert.match(stat, /^numChildren = 1$/m);
    assert.match(stat, /^cversion = 1$/m);
    assert.equal(await a.run("getAllChildrenNumber /r"), "2");
    assert.match(await a.run("whoami"), /^Auth scheme: User\nip: 127\.0\.0\.1$/);
    await a.run("addauth digest alice:secret");
    // Both ids, in Apache's order (see test/server/secure-differential.test.ts): the digest one and the ip.
    const who = await a.run("whoami");
    assert.match(who, /^digest: alice$/m);
    assert.match(who, /^ip: 127\.0\.0\.1$/m);

    assert.equal(await b.run("addWatch -m PERSISTENT_RECURSIVE /r"), "");
    await a.run("set /r/x/y v");
    await b.waitFor(/type:NodeDataChanged path:\/r\/x\/y\n/);
    assert.equal(await a.run("deleteall /r"), "");
    await b.waitFor(/type:NodeDeleted path:\/r\n/);
    assert.equal(await a.run("get /r"), "Node does not exist: /r");
  });

  test("containers, TTL nodes and ACL errors", async () => {
    assert.equal(await a.run("create -c /box"), "Created /box");
    assert.equal(await a.run("create -t 60000 /ttl"), "Created /ttl");
    assert.match(await a.run("stat /ttl"), /^ephemeralOwner = 0x0$/m);
    assert.match(
      await a.run("create /zookeeper/config/x"),
      /Insufficient permission : \/zookeeper\/config\/x/,
    );
    assert.equal(await a.run("delete /zookeeper"), "Arguments are not valid : /zookeeper");
  });
});
