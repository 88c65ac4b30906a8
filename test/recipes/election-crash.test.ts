/**
 * LeaderElection when the leader's session expires or its process freezes: the invariant is that a
 * leader whose session expired is replaced, and can never again make a fenced write.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BadVersionError } from "../../src/client/index.js";
import { LeaderElection } from "../../src/recipes/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { client, spawnFixture } from "./helpers.js";

forEachBackend("recipes: leader election with crashing leaders", (backend) => {
  test("a leader whose session expires is replaced, with a higher epoch", async () => {
    const path = uniqueRoot("election-expire");
    const leaderClient = await client(backend());
    const leader = new LeaderElection(leaderClient, { path, id: "first" });
    await leader.start();
    const epoch = (await leader.waitForLeadership()).epoch;
    const e = new LeaderElection(await client(backend()), { path, id: "second" });
    await e.start();
    assert.equal(e.isLeader, false);
    await backend().expireSession(leaderClient);
    const term = await e.waitForLeadership();
    assert.ok(term.epoch > epoch);
    assert.equal(leader.isLeader, false);
    await e.close();
    await leader.close();
  });

  test("a leader paused past its session timeout cannot make a fenced write and notices it lost", async () => {
    const path = uniqueRoot("election-stop");
    const c = await client(backend());
    const dataPath = `${path}-data`;
    await c.create(dataPath, "");
    const child = spawnFixture("candidate.ts", [backend().connectString, path, "zombie", dataPath]);
    const oldEpoch = Number((await child.next((l) => l.startsWith("leader "))).split(" ")[1]);
    const e = new LeaderElection(c, { path, id: "parent" });
    await e.start();
    child.kill("SIGSTOP");
    const term = await e.waitForLeadership();
    assert.ok(term.epoch > oldEpoch);
    await e.fencedTransaction(term).setData(dataPath, "parent").commit();
    child.kill("SIGCONT");
    child.send("write");
    const lost = await child.next((l) => l.startsWith("follower "));
    const write = await child.next((l) => l.startsWith("write "));
    console.log(`[${backend().name}] zombie: "${lost}", "${write}"`);
    assert.match(write, /^write failed (SessionExpiredError|ClientClosedError|ConnectionLossError)$/);
    // Even a zombie whose session still lived would be fenced off by the epoch check.
    await assert.rejects(
      c.transaction().check(e.epochPath, oldEpoch).setData(dataPath, "z").commit(),
      BadVersionError,
    );
    assert.equal((await c.getData(dataPath)).data?.toString(), "parent");
    assert.equal(e.isLeader, true);
    await e.close();
  });
});
