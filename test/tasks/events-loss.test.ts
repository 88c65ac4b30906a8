/**
 * A follower (TaskEvents) whose reads in flight all fail at once — what a lost connection does — keeps
 * following, and none of those failures is an unhandled rejection (which ends a Node process: the
 * `overseer events` follower died that way once when its server was SIGKILLed). A fake client makes the
 * timing exact: the second of two reads fails while the follower still waits for the first.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import {
  ConnectionLossError,
  PersistentWatch,
  type ReadOp,
  type ZooKeeperClient,
} from "../../src/client/index.js";
import { TaskEvents } from "../../src/tasks/index.js";

/** The part of a client TaskEvents uses: persistent watches fed by hand, reads answered by hand. */
class FakeClient extends EventEmitter {
  lastZxid = 0n;
  readonly watches: PersistentWatch[] = [];
  readonly reads: { ops: readonly ReadOp[]; reject: (err: Error) => void }[] = [];
  private readWaiters: (() => void)[] = [];

  addWatch(path: string): Promise<PersistentWatch> {
    const w = new PersistentWatch(path, true, () => Promise.resolve());
    this.watches.push(w);
    return Promise.resolve(w);
  }

  multiRead(ops: readonly ReadOp[]): Promise<never> {
    return new Promise((_resolve, reject) => {
      this.reads.push({ ops, reject });
      for (const w of this.readWaiters.splice(0)) w();
    });
  }

  /** Resolves once `n` reads have been asked for in all. */
  async readsAsked(n: number): Promise<void> {
    while (this.reads.length < n) await new Promise<void>((r) => this.readWaiters.push(r));
  }
}

test("TaskEvents: a read failing while the follower waits for an earlier one is not unhandled; it follows on", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    const zk = new FakeClient();
    const events = await TaskEvents.open(zk as unknown as ZooKeeperClient);
    const errors: Error[] = [];
    events.on("error", (e) => errors.push(e));
    const tasks = zk.watches[0];
    assert.ok(tasks !== undefined);
    // Two reads in flight, in order: the follower waits for the first (still unanswered, as a read sent
    // after the connection broke waits for the next connection) when the second fails.
    tasks.deliver({ type: "NodeCreated", path: "/tasks/b-01/t-a" });
    await zk.readsAsked(1);
    tasks.deliver({ type: "NodeCreated", path: "/tasks/b-01/t-b" });
    await zk.readsAsked(2);
    zk.reads[1]?.reject(new ConnectionLossError({ message: "connection lost" }));
    // Past the turn in which Node reports a rejection nobody handled.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
    zk.reads[0]?.reject(new ConnectionLossError({ message: "connection lost" }));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
    assert.deepEqual(errors, []);

    // Still following: the next change is read.
    tasks.deliver({ type: "NodeCreated", path: "/tasks/b-02/t-d" });
    await zk.readsAsked(3);
    assert.deepEqual(
      zk.reads[2]?.ops.map((op) => op.path),
      ["/tasks/b-02/t-d"],
    );
    await events.close();
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});
