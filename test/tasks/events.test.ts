/**
 * Task events across processes (TaskEvents), task logs and progress pushed to a handle, on both servers:
 * a follower opened before the work sees every step of every task, in order, with what changed — its
 * first iterator too, when it starts after the work is done; and it reads a node only when its event did
 * not carry the node's data.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import {
  Master,
  MAX_LINE_CHARS,
  Submitter,
  TaskEvents,
  Worker,
  getTaskLogs,
  type TaskContext,
  type TaskEvent,
} from "../../src/tasks/index.js";
import { cleanup, client, until } from "./helpers.js";
import { startTcpProxy, type ProxiedFrame } from "../harness/tcp-proxy.js";
import { OpCode } from "../../src/protocol/index.js";

/** Collects a follower's events; `wait` resolves once `pred` holds over them. */
function collect(events: TaskEvents): {
  seen: TaskEvent[];
  wait: (pred: (s: TaskEvent[]) => boolean, what: string) => Promise<void>;
} {
  const seen: TaskEvent[] = [];
  const subs = new Set<() => void>();
  events.on("event", (e) => {
    seen.push(e);
    for (const s of [...subs]) s();
  });
  const wait = (pred: (s: TaskEvent[]) => boolean, what: string): Promise<void> =>
    until(
      (cb) => (subs.add(cb), () => subs.delete(cb)),
      () => pred(seen),
      what,
      20_000,
    );
  return { seen, wait };
}

/**
 * The iterator's events until `done` holds over them; fails (instead of hanging) when they do not come
 * within `ms`.
 */
async function take(
  it: AsyncIterator<TaskEvent>,
  done: (got: TaskEvent[]) => boolean,
  what: string,
  ms = 10_000,
): Promise<TaskEvent[]> {
  const got: TaskEvent[] = [];
  const deadline = Date.now() + ms;
  while (!done(got)) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((r) => (timer = setTimeout(r, deadline - Date.now(), "timeout")));
    const next = await Promise.race([it.next(), timeout]);
    clearTimeout(timer);
    const so = JSON.stringify(got.map((e) => [e.event, e.id]));
    if (next === "timeout") assert.fail(`${what}: not within ${ms} ms; the iterator gave ${so}`);
    if (next.done === true) assert.fail(`${what}: iteration ended; the iterator gave ${so}`);
    got.push(next.value);
  }
  return got;
}

const steps = (events: readonly TaskEvent[], id: string): string[] =>
  events.filter((e) => e.id === id).map((e) => e.event);

/** The follower connection's read requests (getData, multiRead), each as text to look for paths in. */
function reads(frames: readonly ProxiedFrame[]): string[] {
  return frames
    .filter((f) => {
      if (f.direction !== "c2s" || f.bytes.length < 12) return false;
      const op = f.bytes.readInt32BE(8);
      return op === OpCode.getData || op === OpCode.multiRead;
    })
    .map((f) => f.bytes.toString("latin1"));
}

forEachBackend("tasks: events, logs and progress", (backend) => {
  test("a follower sees submitted, active, progress, completed, failed, retrying and cancelled, in order", async () => {
    const root = uniqueRoot("events");
    const zk = await client(backend());
    await zk.create(root, null);
    const watcher = await client(backend());
    const events = await TaskEvents.open(watcher, { root });
    cleanup(() => events.close());
    const { seen, wait } = collect(events);
    const master = new Master(zk, { root });
    cleanup(() => master.close());
    await master.start();
    let flaky = 0;
    const worker = new Worker(
      zk,
      {
        ok: async (ctx: TaskContext<number>) => {
          await ctx.progress({ half: ctx.payload / 2 });
          return ctx.payload * 10;
        },
        boom: () => {
          throw new Error("kaput");
        },
        flaky: () => {
          if (flaky++ === 0) throw new Error("first time fails");
          return "second time works";
        },
        slow: (ctx: TaskContext) => new Promise((resolve) => ctx.signal.addEventListener("abort", resolve)),
      },
      { root, concurrency: 4 },
    );
    cleanup(() => worker.close());
    await worker.start();
    const sub = new Submitter(zk, { root });
    const ok = await sub.submit("ok", 4, { id: "ok-1" });
    assert.equal(await ok.result(), 40);
    const boom = await sub.submit("boom", null, { id: "boom-1" });
    await assert.rejects(boom.result());
    const fl = await sub.submit("flaky", null, { id: "flaky-1", attempts: 2 });
    assert.equal(await fl.result(), "second time works");
    const slow = await sub.submit("slow", null, { id: "slow-1" });
    await wait((s) => s.some((e) => e.id === "slow-1" && e.event === "active"), "slow-1 active");
    assert.equal(await slow.cancel(), true);
    await wait((s) => s.some((e) => e.id === "slow-1" && e.event === "cancelled"), "slow-1 cancelled");

    const of = (id: string): string[] => seen.filter((e) => e.id === id).map((e) => e.event);
    assert.deepEqual(of("ok-1"), ["submitted", "active", "progress", "completed"]);
    assert.deepEqual(of("boom-1"), ["submitted", "active", "failed"]);
    assert.deepEqual(of("flaky-1"), ["submitted", "active", "retrying", "active", "completed"]);
    assert.deepEqual(of("slow-1"), ["submitted", "active", "cancelled"]);
    const done = seen.find((e) => e.id === "ok-1" && e.event === "completed");
    assert.equal(done?.result, 40);
    assert.equal(done?.type, "ok");
    assert.equal(done?.worker, worker.id);
    assert.deepEqual(seen.find((e) => e.id === "ok-1" && e.event === "progress")?.progress, { half: 2 });
    assert.match(seen.find((e) => e.id === "boom-1" && e.event === "failed")?.reason ?? "", /kaput/);
    assert.equal(seen.find((e) => e.event === "retrying")?.attempt, 2);
    assert.ok(
      seen.every((e) => e.replayed === undefined),
      "nothing replayed without a reconnect",
    );
  });

  test("--types filters, and the async iterator ends on close", async () => {
    const root = uniqueRoot("events-iter");
    const zk = await client(backend());
    await zk.create(root, null);
    const events = await TaskEvents.open(zk, { root, types: ["b"] });
    const sub = new Submitter(zk, { root });
    await sub.submit("a", null, { id: "a-1" });
    await sub.submit("b", null, { id: "b-1" });
    const got: TaskEvent[] = [];
    for await (const e of events) {
      got.push(e);
      await events.close();
    }
    await assert.rejects(events.start(), { name: "LifecycleError" });
    assert.deepEqual(
      got.map((e) => [e.event, e.id]),
      [["submitted", "b-1"]],
    );
  });

  test("open() keeps events for the first iterator: tasks done before the loop starts are not missed", async () => {
    const root = uniqueRoot("events-early");
    const zk = await client(backend());
    await zk.create(root, null);
    const events = await TaskEvents.open(await client(backend()), { root });
    cleanup(() => events.close());
    const { seen, wait } = collect(events);
    const master = new Master(zk, { root });
    cleanup(() => master.close());
    await master.start();
    const worker = new Worker(zk, { t: (ctx: TaskContext<number>) => ctx.payload + 1 }, { root });
    cleanup(() => worker.close());
    await worker.start();
    const sub = new Submitter(zk, { root });
    const ids = ["early-1", "early-2", "early-3"];
    const handles = await Promise.all(ids.map((id, i) => sub.submit("t", i, { id })));
    assert.deepEqual(await Promise.all(handles.map((h) => h.result())), [1, 2, 3]);
    // Every completion has been told to the listeners, so none is still on its way: only now does the
    // loop start.
    const completed = (s: TaskEvent[], of: readonly string[]): boolean =>
      of.every((id) => s.some((e) => e.id === id && e.event === "completed"));
    await wait((s) => completed(s, ids), "the listeners' completions");

    const first = events[Symbol.asyncIterator]();
    const got = await take(first, (g) => completed(g, ids), "the first iterator");
    assert.deepEqual(got, seen.slice(0, got.length), "what the listeners got, in the same order");
    for (const id of ids) assert.deepEqual(steps(got, id), ["submitted", "active", "completed"], id);

    // A later iterator gets the events from now on; the first goes on with them too.
    const second = events[Symbol.asyncIterator]();
    assert.equal(await (await sub.submit("t", 9, { id: "early-late" })).result(), 10);
    const late = ["submitted", "active", "completed"];
    const fromNow = await take(second, (g) => completed(g, ["early-late"]), "the second iterator");
    assert.deepEqual(
      fromNow.map((e) => e.id),
      late.map(() => "early-late"),
    );
    assert.deepEqual(steps(fromNow, "early-late"), late);
    const more = await take(first, (g) => completed(g, ["early-late"]), "the first iterator, later");
    assert.deepEqual(steps(more, "early-late"), late);
    await events.close();
    assert.equal((await first.next()).done, true);
    assert.equal((await second.next()).done, true);
  });

  for (const eventData of [true, false]) {
    test(`events with data ${eventData ? "asked for" : "off"}: the follower reads a node only when its event carried no data`, async () => {
      const root = uniqueRoot("events-reads");
      const zk = await client(backend());
      await zk.create(root, null);
      const proxy = await startTcpProxy(backend().port);
      cleanup(() => proxy.close());
      const watcher = await client(proxy, { eventData });
      const events = await TaskEvents.open(watcher, { root });
      cleanup(() => events.close());
      const { seen, wait } = collect(events);
      const master = new Master(zk, { root });
      cleanup(() => master.close());
      await master.start();
      const worker = new Worker(
        zk,
        {
          t: async (ctx: TaskContext<number>) => {
            await ctx.progress(ctx.payload);
            return ctx.payload * 2;
          },
        },
        { root },
      );
      cleanup(() => worker.close());
      await worker.start();
      const sub = new Submitter(zk, { root });
      const from = proxy.frames.length;
      const ids = ["rd-1", "rd-2", "rd-3", "rd-4", "rd-5"];
      for (const [i, id] of ids.entries())
        assert.equal(await (await sub.submit("t", i, { id })).result(), i * 2);
      await wait(
        (s) => ids.every((id) => s.some((e) => e.id === id && e.event === "completed")),
        "every completion",
      );
      for (const id of ids)
        assert.deepEqual(steps(seen, id), ["submitted", "active", "progress", "completed"], id);
      const sent = reads(proxy.frames.slice(from));
      if (backend().name === "embedded" && eventData) {
        assert.equal(watcher.eventsCarryData, true);
        assert.deepEqual(sent, [], "every fact came from its event: no read");
      } else
        for (const id of ids)
          assert.ok(
            sent.some((r) => r.includes(`/t-${id}`)),
            `${id}'s nodes were read (${sent.length} read requests)`,
          );
    });
  }

  test("progress is pushed to the handle; ctx.log lines are kept across attempts, bounded", async () => {
    const root = uniqueRoot("progress-logs");
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(zk, { root });
    cleanup(() => master.close());
    await master.start();
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const worker = new Worker(
      zk,
      {
        steps: async (ctx: TaskContext) => {
          ctx.log(`attempt ${ctx.attempt} starts`);
          if (ctx.attempt === 1) throw new Error("once more");
          for (const p of [25, 50, 75]) await ctx.progress(p);
          await gate;
          ctx.log("x".repeat(MAX_LINE_CHARS + 10));
          return "ok";
        },
      },
      { root },
    );
    cleanup(() => worker.close());
    await worker.start();
    const sub = new Submitter(zk, { root });
    const h = await sub.submit("steps", null, { id: "steps-1", attempts: 2 });
    const pushed: unknown[] = [];
    let notify = (): void => undefined;
    h.on("progress", (p) => {
      pushed.push(p);
      notify();
    });
    await until(
      (cb) => ((notify = cb), () => (notify = () => undefined)),
      () => pushed.includes(75),
      "progress 75",
    );
    release();
    assert.equal(await h.result(), "ok");
    // Each pushed value is a newer version of the progress node: rapid updates may be coalesced, never repeated.
    assert.deepEqual(
      pushed,
      [...new Set(pushed)].sort((a, b) => Number(a) - Number(b)),
    );
    assert.equal(pushed.at(-1), 75);
    const log = await h.logs();
    assert.deepEqual(
      log.lines.map((l) => [l.attempt, l.line.slice(0, 16)]),
      [
        [1, "attempt 1 starts"],
        [2, "attempt 2 starts"],
        [2, "x".repeat(16)],
      ],
    );
    assert.equal(log.lines[2]?.line.length, MAX_LINE_CHARS, "a long line is cut to the bound");
    assert.deepEqual((await getTaskLogs(zk, "steps-1", { root })).lines.length, 3);
    await assert.rejects(getTaskLogs(zk, "no-such-task", { root }), /no-such-task/);
  });
});
