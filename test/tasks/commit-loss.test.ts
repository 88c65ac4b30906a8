/**
 * Chaos seed 10: the connection is cut exactly at a worker's token-checked commit, after the server
 * applied it (the reply is lost). The worker must find out that its commit landed, never commit twice
 * and never abandon the run: one committed result, a completed task, no worker error — both servers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { OpCode } from "../../src/protocol/index.js";
import { forEachBackend } from "../harness/backends.js";
import { startReplyProxy, type ReplyProxy } from "../client/reply-proxy.js";
import { Worker, type CommittedEvent, type Submitter } from "../../src/tasks/index.js";
import { cleanup, client, startTaskCluster } from "./helpers.js";

forEachBackend("tasks: connection lost at the result commit", (backend) => {
  async function setup(label: string): Promise<{ root: string; proxy: ReplyProxy; sub: Submitter }> {
    const { root, sub } = await startTaskCluster(backend(), { label, master: { id: "m1" } });
    const b = backend();
    const proxy = await startReplyProxy(b.host, b.port);
    cleanup(() => proxy.close());
    return { root, proxy, sub };
  }

  async function worker(
    root: string,
    proxy: ReplyProxy,
    handlers: ConstructorParameters<typeof Worker>[1],
  ): Promise<{ w: Worker; committed: CommittedEvent[]; errors: Error[] }> {
    // The worker alone talks through the proxy: its next multi after arming is the commit.
    const wzk = await client(backend(), { connectString: proxy.connectString });
    const w = new Worker(wzk, handlers, { root, id: "w1" });
    const committed: CommittedEvent[] = [];
    const errors: Error[] = [];
    w.on("committed", (e) => committed.push(e));
    w.on("error", (e) => errors.push(e));
    cleanup(() => w.close());
    await w.start();
    return { w, committed, errors };
  }

  const atCommit = (proxy: ReplyProxy): Promise<void> => proxy.arm((r) => r.op === OpCode.multi, "cut");

  test("a done result whose commit reply is lost is committed once and completes the task", async () => {
    const { root, proxy, sub } = await setup("commit-cut-done");
    let runs = 0;
    const cuts: Promise<void>[] = [];
    const { w, committed, errors } = await worker(root, proxy, {
      echo: () => {
        runs++;
        cuts.push(atCommit(proxy));
        return "answer";
      },
    });
    const h = await sub.submit("echo", null);
    assert.equal(await h.result(), "answer");
    await Promise.all(cuts);
    await waitFor(() => committed.length > 0 || errors.length > 0);
    assert.deepEqual(
      committed.map((e) => e.outcome),
      ["done"],
    );
    assert.deepEqual(errors, []);
    assert.equal(runs, 1);
    assert.equal(w.stats.completed, 1);
    assert.equal(w.stats.stale, 0);
    assert.equal((await h.status()).state, "done");
  });

  test("a retry whose commit reply is lost is written once; the next attempt completes", async () => {
    const { root, proxy, sub } = await setup("commit-cut-retry");
    let runs = 0;
    const { w, committed, errors } = await worker(root, proxy, {
      flaky: () => {
        runs++;
        if (runs > 1) return "second";
        void atCommit(proxy);
        throw new Error("first attempt fails");
      },
    });
    const h = await sub.submit("flaky", null, { attempts: 3, backoff: 10 });
    assert.equal(await h.result(), "second");
    await waitFor(() => committed.length >= 2);
    assert.deepEqual(
      committed.map((e) => e.outcome),
      ["retry", "done"],
    );
    assert.deepEqual(errors, []);
    assert.equal(runs, 2);
    assert.equal(w.stats.retried, 1);
    const s = await h.status();
    assert.equal(s.state, "done");
    assert.equal(s.outcome?.state === "done" ? s.outcome.attempt : -1, 2);
  });
});

async function waitFor(predicate: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}
