/**
 * TaskEvents against a scripted client (no server): what open() keeps for the first iterator and its
 * bound, and events that carry their node's data (PROTOCOL.md §10) taken as the node's reading — no read,
 * the same facts and events as a read would give.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PersistentWatch,
  type ReadOp,
  type ReadOpResult,
  type Stat,
  type WatchEvent,
  type ZooKeeperClient,
} from "../../src/client/index.js";
import { EARLY_EVENTS, TaskEvents } from "../../src/tasks/admin/task-events.js";
import type { TaskEvent } from "../../src/tasks/admin/event-types.js";
import { encodeEnvelope, encodeOutcome } from "../../src/tasks/envelope.js";
import { defaultStoredOptions } from "../../src/tasks/submit/options.js";
import { Layout } from "../../src/tasks/layout.js";
import type { Logger } from "../../src/tasks/logger.js";

const layout = new Layout("/app");

function stat(zxid: number, time: number): Stat {
  return {
    czxid: BigInt(zxid),
    mzxid: BigInt(zxid),
    ctime: time,
    mtime: time,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    dataLength: 0,
    numChildren: 0,
    pzxid: BigInt(zxid),
  };
}

const task = (type: string): Buffer =>
  encodeEnvelope({
    v: 1,
    type,
    payload: null,
    options: defaultStoredOptions(),
    run: { failures: 0, notBefore: 0, requeues: 0 },
    submittedAt: 0,
    n: 0,
  });

/**
 * A client with the two persistent watches a follower adds, fed by `emit`, and a node store its reads
 * answer from; every read op is counted.
 */
function scripted(): {
  client: ZooKeeperClient;
  nodes: Map<string, { data: Buffer | null; stat: Stat }>;
  emit: (ev: WatchEvent) => void;
  /** Every watch's iteration throws `err`, as the client's do when the session is lost. */
  lose: (err: Error) => void;
  readOps: ReadOp[];
} {
  const nodes = new Map<string, { data: Buffer | null; stat: Stat }>();
  const readOps: ReadOp[] = [];
  const watches = new Map<string, PersistentWatch>();
  const answer = (op: ReadOp): ReadOpResult => {
    readOps.push(op);
    const n = nodes.get(op.path);
    assert.ok(n !== undefined && op.type === "getData", `unexpected read ${op.type} ${op.path}`);
    return { type: "getData", ...n };
  };
  const fake = {
    addWatch: (path: string) => {
      const w = new PersistentWatch(path, true, async () => undefined);
      watches.set(path, w);
      return Promise.resolve(w);
    },
    multiRead: (ops: readonly ReadOp[]) => Promise.resolve(ops.map(answer)),
    getData: (path: string) => Promise.resolve(answer({ type: "getData", path })),
    on: () => fake,
    off: () => fake,
    lastZxid: 0n,
  };
  const emit = (ev: WatchEvent): void => {
    const w = [...watches.values()].find((x) => ev.path.startsWith(x.path + "/"));
    assert.ok(w !== undefined, `no watch above ${ev.path}`);
    w.deliver(ev);
  };
  const lose = (err: Error): void => {
    for (const w of watches.values()) w.channel.fail(err);
  };
  return { client: fake as unknown as ZooKeeperClient, nodes, emit, lose, readOps };
}

/** Resolves once the follower's listeners have seen `n` events. */
function counted(events: TaskEvents, n: number): Promise<TaskEvent[]> {
  const seen: TaskEvent[] = [];
  return new Promise((resolve) =>
    events.on("event", (e) => {
      seen.push(e);
      if (seen.length === n) resolve(seen);
    }),
  );
}

function warnings(): { logger: Logger; warned: { obj: unknown; msg: string | undefined }[] } {
  const warned: { obj: unknown; msg: string | undefined }[] = [];
  const nothing = (): void => undefined;
  const logger = {
    debug: nothing,
    info: nothing,
    error: nothing,
    warn: (obj: unknown, msg?: string) => void warned.push({ obj, msg }),
  } as unknown as Logger;
  return { logger, warned };
}

async function next(it: AsyncIterator<TaskEvent>): Promise<TaskEvent> {
  const r = await it.next();
  assert.ok(r.done !== true, "iteration ended");
  return r.value;
}

test("open() keeps up to EARLY_EVENTS for the first iterator, dropping the oldest with a warning", async () => {
  const { client, emit, readOps } = scripted();
  const { logger, warned } = warnings();
  const events = await TaskEvents.open(client, { root: "/app", logger });
  const total = EARLY_EVENTS + 5;
  const all = counted(events, total);
  for (let i = 0; i < total; i++) {
    const key = `b-01/t-${i}`;
    emit({ type: "NodeCreated", path: layout.task(key), data: task("t"), stat: stat(i + 1, 1000 + i) });
  }
  await all;
  assert.equal(readOps.length, 0, "every event carried its data: nothing read");
  assert.equal(warned.length, 1, "one warning when the buffer first overflows");

  const first = events[Symbol.asyncIterator]();
  assert.equal(warned.length, 2, "and one when the first iterator takes what is left");
  assert.deepEqual(warned[1]?.obj, { dropped: 5, kept: EARLY_EVENTS });
  const got: TaskEvent[] = [];
  for (let i = 0; i < EARLY_EVENTS; i++) got.push(await next(first));
  assert.deepEqual(
    [got[0]?.id, got.at(-1)?.id],
    ["5", String(total - 1)],
    "the oldest five were dropped, the rest kept in order",
  );
  assert.ok(got.every((e, i) => e.event === "submitted" && e.at === 1005 + i));

  // A later iterator gets events from now on; the first one goes on with them too.
  const second = events[Symbol.asyncIterator]();
  emit({ type: "NodeCreated", path: layout.task("b-01/t-late"), data: task("t"), stat: stat(99_999, 7) });
  assert.equal((await next(second)).id, "late");
  assert.equal((await next(first)).id, "late");
  await events.close();
  assert.equal((await first.next()).done, true);
  assert.equal((await second.next()).done, true);
});

test("a follower made with new + start() keeps nothing for a later iterator", async () => {
  const { client, emit } = scripted();
  const events = new TaskEvents(client, { root: "/app" });
  await events.start();
  const one = counted(events, 1);
  emit({ type: "NodeCreated", path: layout.task("b-01/t-a"), data: task("t"), stat: stat(1, 1) });
  await one;
  const it = events[Symbol.asyncIterator]();
  const two = counted(events, 1);
  emit({ type: "NodeCreated", path: layout.task("b-01/t-b"), data: task("t"), stat: stat(2, 2) });
  await two;
  assert.equal((await next(it)).id, "b");
  await events.close();
});

test("an iterator attached after the follower failed gets what was kept, then the error", async () => {
  const { client, emit, lose } = scripted();
  const events = await TaskEvents.open(client, { root: "/app" });
  const two = counted(events, 2);
  emit({ type: "NodeCreated", path: layout.task("b-01/t-a"), data: task("t"), stat: stat(1, 1) });
  emit({ type: "NodeCreated", path: layout.task("b-01/t-b"), data: task("t"), stat: stat(2, 2) });
  await two;
  const errors: Error[] = [];
  events.on("error", (err) => errors.push(err));
  const failed = new Promise<void>((resolve) => events.once("error", () => resolve()));
  lose(new Error("session lost"));
  await failed;
  const it = events[Symbol.asyncIterator]();
  assert.equal((await next(it)).id, "a");
  assert.equal((await next(it)).id, "b");
  await assert.rejects(it.next(), /session lost/);
  assert.equal(errors.length, 1, "the error is told once, though both watches ended with it");
  await events.close();
});

test("events that carry data are taken as the node's reading: no read, the same events as reading", async () => {
  const key = "b-07/t-x";
  const created = { data: task("email"), stat: stat(10, 1_000) };
  const assigned = {
    data: Buffer.from(JSON.stringify({ task: key, token: "k", attempt: 1, at: 1_500 })),
    stat: stat(11, 1_400),
  };
  const finished = {
    data: encodeOutcome({ state: "done", result: 42, attempt: 1, worker: "w1", at: 2_000 }),
    stat: stat(12, 1_900),
  };
  const paths = [layout.task(key), layout.assignment("w1", "b-07/t-x"), layout.status(key)] as const;
  const nodes = [created, assigned, finished];

  const run = async (withData: boolean): Promise<{ events: TaskEvent[]; reads: number }> => {
    const s = scripted();
    paths.forEach((p, i) => s.nodes.set(p, nodes[i] as { data: Buffer; stat: Stat }));
    const events = await TaskEvents.open(s.client, { root: "/app" });
    const seen: TaskEvent[] = [];
    for (const [i, path] of paths.entries()) {
      const n = nodes[i] as { data: Buffer; stat: Stat };
      const one = counted(events, 1);
      s.emit(
        withData ? { type: "NodeCreated", path, data: n.data, stat: n.stat } : { type: "NodeCreated", path },
      );
      seen.push(...(await one));
    }
    await events.close();
    return { events: seen, reads: s.readOps.length };
  };
  const read = await run(false);
  const given = await run(true);
  assert.equal(read.reads, 3, "without data each node is read");
  assert.equal(given.reads, 0, "with data none is");
  assert.deepEqual(given.events, read.events);
  assert.deepEqual(
    given.events.map((e) => [e.event, e.type, e.at]),
    [
      ["submitted", "email", 1_000],
      ["active", "email", 1_500],
      ["completed", "email", 2_000],
    ],
  );

  // All three told in one burst (one socket read), before the task's creation is applied: its type is
  // taken from the creation's data too — still no read.
  const burst = scripted();
  const events = await TaskEvents.open(burst.client, { root: "/app" });
  const three = counted(events, 3);
  paths.forEach((path, i) => burst.emit({ type: "NodeCreated", path, ...nodes[i] }));
  assert.deepEqual(await three, given.events);
  assert.equal(burst.readOps.length, 0);
  await events.close();

  // A status whose task the follower has not seen (opened later): the task is read too, for its type —
  // only the task when the event carried the status.
  for (const withData of [false, true]) {
    const s = scripted();
    s.nodes.set(layout.task(key), created);
    s.nodes.set(layout.status(key), finished);
    const later = await TaskEvents.open(s.client, { root: "/app" });
    const one = counted(later, 1);
    s.emit({ type: "NodeCreated", path: layout.status(key), ...(withData ? finished : {}) });
    assert.deepEqual(
      (await one).map((e) => [e.event, e.type]),
      [["completed", "email"]],
    );
    assert.deepEqual(
      s.readOps.map((op) => op.path),
      withData ? [layout.task(key)] : [layout.status(key), layout.task(key)],
    );
    await later.close();
  }
});

test("a burst of notifications across both watches is followed in the order ZooKeeper sent it", async () => {
  const s = scripted();
  const events = await TaskEvents.open(s.client, { root: "/app" });
  const all = counted(events, 4);
  const assignment = (key: string): Buffer => Buffer.from(JSON.stringify({ task: key, attempt: 1 }));
  // One socket read: two tasks created (under <root>/tasks), then the second one's assignment (under
  // <root>/assign). Each watch's iterator alone would put the assignment before the second creation.
  for (const [i, key] of ["b-01/t-a", "b-01/t-b"].entries())
    s.emit({ type: "NodeCreated", path: layout.task(key), data: task("t"), stat: stat(i + 1, i + 1) });
  s.emit({
    type: "NodeCreated",
    path: layout.assignment("w1", "b-01/t-b"),
    data: assignment("b-01/t-b"),
    stat: stat(3, 3),
  });
  s.emit({
    type: "NodeCreated",
    path: layout.assignment("w1", "b-01/t-a"),
    data: assignment("b-01/t-a"),
    stat: stat(4, 4),
  });
  assert.deepEqual(
    (await all).map((e) => [e.event, e.id]),
    [
      ["submitted", "a"],
      ["submitted", "b"],
      ["active", "b"],
      ["active", "a"],
    ],
  );
  await events.close();
});
