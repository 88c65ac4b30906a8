/**
 * 20 candidates churning (relinquish, close, whole client closed and replaced) while every leader —
 * and every deposed leader, for a while after — keeps making fenced writes with its term. The
 * invariant: two leaders' fenced writes never both succeed in the same epoch, and no write of an
 * older term lands after a write of a newer one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CreateMode, type ZooKeeperClient } from "../../src/client/index.js";
import { LeaderElection, type LeadershipTerm } from "../../src/recipes/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { client, delay } from "./helpers.js";

const CANDIDATES = 20;
const CHURN_MS = 3000;

forEachBackend("recipes: leader election churn", (backend) => {
  test("20 churning candidates never get two leaders' fenced writes into one epoch", async () => {
    const path = uniqueRoot("election-churn");
    const log = `${path}-log`;
    const admin = await client(backend());
    await admin.create(log, "");
    let attempts = 0;
    let rejected = 0;
    let stopping = false;

    /** Writes with `term` until well after it ended: the late ones are a zombie's attempts. */
    const writeLoop = async (c: ZooKeeperClient, e: LeaderElection, id: string, term: LeadershipTerm) => {
      for (let i = 0; i < 8 && !stopping; i++) {
        attempts++;
        try {
          await c
            .transaction()
            .check(e.epochPath, term.epoch)
            .check(term.candidatePath, -1)
            .create(`${log}/w-`, `${id}:${term.epoch}`, { mode: CreateMode.PERSISTENT_SEQUENTIAL })
            .commit();
        } catch {
          rejected++; // expected once the term is over (BadVersion, NoNode, or the client closed)
        }
        await delay(Math.random() * 15);
      }
    };

    const slots: { c: ZooKeeperClient; e: LeaderElection }[] = [];
    const spawn = async (i: number) => {
      const c = await client(backend());
      const e = new LeaderElection(c, { path, id: `c${i}` });
      e.on("leader", (term) => void writeLoop(c, e, `c${i}`, term));
      await e.start();
      slots[i] = { c, e };
    };
    await Promise.all(Array.from({ length: CANDIDATES }, (_, i) => spawn(i)));

    let actions = 0;
    const end = Date.now() + CHURN_MS;
    while (Date.now() < end) {
      await delay(20 + Math.random() * 30);
      const i = Math.floor(Math.random() * CANDIDATES);
      const slot = slots[i];
      if (slot === undefined) continue;
      const r = Math.random();
      // Bias toward the leader, so terms actually change often.
      const target = r < 0.6 ? (slots.find((s) => s?.e.isLeader) ?? slot) : slot;
      const j = slots.indexOf(target);
      actions++;
      if (r < 0.3) await target.e.relinquish();
      else if (r < 0.6) {
        await target.e.close();
        await spawn(j);
      } else if (r < 0.8) {
        await target.c.close(); // like a crash, but the session ends at once
        await spawn(j);
      } else await target.e.relinquish();
    }
    stopping = true;
    await delay(200);

    const names = (await admin.getChildren(log)).sort();
    const writes = await Promise.all(
      names.map(async (n) => {
        const [id, epoch] = String((await admin.getData(`${log}/${n}`)).data).split(":");
        return { id: id ?? "", epoch: Number(epoch) };
      }),
    );
    const owners = new Map<number, string>();
    let last = 0;
    for (const w of writes) {
      const owner = owners.get(w.epoch);
      assert.ok(owner === undefined || owner === w.id, `epoch ${w.epoch}: writes by ${owner} and ${w.id}`);
      owners.set(w.epoch, w.id);
      assert.ok(w.epoch >= last, `a write of epoch ${w.epoch} landed after one of epoch ${last}`);
      last = w.epoch;
    }
    console.log(
      `[${backend().name}] churn: ${actions} actions, ${owners.size} terms wrote, ${writes.length} fenced writes ok, ${rejected}/${attempts} rejected`,
    );
    assert.ok(owners.size >= 5, `only ${owners.size} terms wrote`);
    assert.ok(rejected > 0, "no zombie write was ever attempted");
    for (const s of slots) await s?.e.close();
  });
});
