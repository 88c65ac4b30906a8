/**
 * A connection lost while a recipe lays out its path (the server restarting as a master starts, say)
 * is retried, not thrown at the caller: the create's reply is cut after the server applied it, and
 * start() still resolves, with exactly one candidate (election) or member node (group) of its own.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { OpCode } from "../../src/protocol/index.js";
import { GroupMember, LeaderElection } from "../../src/recipes/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { startReplyProxy } from "../client/reply-proxy.js";
import { client } from "./helpers.js";

forEachBackend("recipes: a connection lost during start", (backend) => {
  test("LeaderElection.start() rides out a connection cut mid-layout and leads", async () => {
    const proxy = await startReplyProxy(backend().host, backend().port);
    try {
      const c = await client(backend(), { connectString: proxy.connectString, reconnectDelay: 20 });
      const path = uniqueRoot("start-loss");
      const cut = proxy.arm((r) => r.op === OpCode.create && r.path === `${path}/candidates`, "cut");
      const states: string[] = [];
      c.on("state", (e) => states.push(e.type));
      const election = new LeaderElection(c, { path, id: "only" });
      const started = election.start();
      await cut;
      await started;
      const term = await election.waitForLeadership();
      assert.equal(term.epoch, 1);
      assert.deepEqual(states, ["suspended", "reconnected"]);
      assert.equal((await c.getChildren(`${path}/candidates`)).length, 1);
      await election.close();
    } finally {
      await proxy.close();
    }
  });

  test("GroupMember.start() rides out a connection cut on its own node's create", async () => {
    const proxy = await startReplyProxy(backend().host, backend().port);
    try {
      const c = await client(backend(), { connectString: proxy.connectString, reconnectDelay: 20 });
      const path = uniqueRoot("join-loss");
      const cut = proxy.arm((r) => r.op === OpCode.create && r.path === `${path}/m1`, "cut");
      const member = new GroupMember(c, { path, id: "m1", data: "x" });
      const started = member.start();
      await cut;
      await started;
      assert.deepEqual(
        [...member.members].map(([id, d]) => `${id}=${String(d)}`),
        ["m1=x"],
      );
      const own = await c.exists(`${path}/m1`);
      assert.equal(own?.ephemeralOwner, c.sessionId);
      await member.close();
    } finally {
      await proxy.close();
    }
  });
});
