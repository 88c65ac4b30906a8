import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import { fourLetterWord, serverMode } from "./four-letter.js";
import { skipUnlessApacheZooKeeper, startApacheEnsemble, startApacheZooKeeper } from "./apache-zk.js";
import { freePort } from "./ports.js";

const skip = skipUnlessApacheZooKeeper();

test("freePort returns a bindable loopback port", async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
});

describe("startApacheZooKeeper", { skip }, () => {
  test("serves srvr, survives kill + restart with its data dir, and cleans up on stop", async () => {
    const t0 = Date.now();
    const zk = await startApacheZooKeeper();
    console.log(`standalone Apache ZooKeeper up in ${Date.now() - t0} ms on ${zk.connectString}`);
    try {
      assert.equal(zk.host, "127.0.0.1");
      assert.equal(zk.connectString, `127.0.0.1:${zk.port}`);
      assert.equal(await serverMode(zk.port), "standalone");
      assert.match(await fourLetterWord(zk.port, "ruok"), /imok/);

      await zk.kill("SIGSTOP");
      await assert.rejects(fourLetterWord(zk.port, "srvr", 300), /timed out/);
      await zk.kill("SIGCONT");
      assert.equal(await serverMode(zk.port, 5000), "standalone");

      await zk.kill();
      assert.equal(await serverMode(zk.port), undefined);
      const t1 = Date.now();
      await zk.restart();
      console.log(`restart took ${Date.now() - t1} ms`);
      assert.equal(await serverMode(zk.port), "standalone");
      assert.ok(existsSync(zk.dataDir));
    } finally {
      await zk.stop();
      await zk.stop();
    }
    assert.ok(!existsSync(zk.dataDir));
    assert.equal(await serverMode(zk.port), undefined);
  });

  test("honours extraConfig", async () => {
    await using zk = await startApacheZooKeeper({ extraConfig: { "4lw.commands.whitelist": "srvr" } });
    assert.match(await fourLetterWord(zk.port, "ruok"), /not in the whitelist/);
  });
});

describe("startApacheEnsemble", { skip }, () => {
  test("elects a leader and re-elects after the leader is killed", async () => {
    const t0 = Date.now();
    const ensemble = await startApacheEnsemble(3);
    console.log(`3-node ensemble up in ${Date.now() - t0} ms: ${ensemble.connectString}`);
    try {
      assert.equal(ensemble.members.length, 3);
      assert.equal(ensemble.connectString.split(",").length, 3);
      const first = await ensemble.leader();
      await first.kill();
      assert.equal(first.running, false);
      const t1 = Date.now();
      const second = await ensemble.leader();
      console.log(`re-election took ${Date.now() - t1} ms`);
      assert.notEqual(second.id, first.id);
      const t2 = Date.now();
      await first.start();
      console.log(`rejoin took ${Date.now() - t2} ms`);
      assert.equal(await first.mode(), "follower");
    } finally {
      await ensemble.stop();
    }
  });
});
