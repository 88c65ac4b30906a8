import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fourLetterWord, serverMode } from "./four-letter.js";
import { skipUnlessApacheZooKeeper, startApacheEnsemble, startApacheZooKeeper } from "./apache-zk.js";
import { freePort, freePorts } from "./ports.js";
import { ZOOKEEPER_JAR } from "./java.js";
import { connect } from "../../src/client/index.js";

const skip = skipUnlessApacheZooKeeper();

/** `pid` and every process below it (Linux /proc). */
function descendants(pid: number): number[] {
  const kids = readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
  );
  return [pid, ...kids.flatMap(descendants)];
}

const cmdline = (pid: number): string => readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");

test("freePorts returns distinct ports (an ensemble's client, peer and election ports)", async () => {
  const ports = await freePorts(64);
  assert.equal(ports.length, 64);
  assert.equal(new Set(ports).size, 64);
  assert.ok(ports.every((p) => p > 0 && p < 65536));
});

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

  test("apacheDefaults: a JVM without the test-speed flags and a txn log with Apache's 64 MiB preallocation", async () => {
    await using zk = await startApacheZooKeeper({ apacheDefaults: true });
    const c = await connect({ connectString: zk.connectString, sessionTimeout: 2000 });
    await c.create("/defaults", null);
    await c.close();
    const logs = readdirSync(join(zk.dataDir, "version-2")).filter((f) => f.startsWith("log."));
    assert.equal(logs.length, 1);
    // Padded to one 64 MiB block past its 16-byte header (4 MiB with the test servers' preAllocSize).
    assert.equal(statSync(join(zk.dataDir, "version-2", logs[0] ?? "")).size, 64 * 2 ** 20 + 16);
    const jvm =
      descendants(zk.pid ?? 0)
        .map(cmdline)
        .find((args) => args.includes(ZOOKEEPER_JAR)) ?? "";
    assert.match(jvm, /ZooKeeperServerMain/);
    assert.doesNotMatch(jvm, /UseSerialGC|TieredStopAtLevel|-Xmx/);
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
