/** Schedule slot decisions with a fake clock: which slots fire, which are missed, cron in a time zone. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../src/client/index.js";
import {
  INITIAL_PROGRESS,
  MISSED_ALL_CAP,
  parseScheduleSpec,
  parseTemplate,
  type ScheduleNode,
  type ScheduleProgress,
  type ScheduleSpecInput,
} from "../../src/tasks/schedule-spec.js";
import { nextSlot, planFirings, scheduleStatus } from "../../src/tasks/schedule-slots.js";

function node(spec: ScheduleSpecInput, createdAt: number, extra: Partial<ScheduleNode> = {}): ScheduleNode {
  return {
    v: 1,
    spec: parseScheduleSpec(spec),
    task: parseTemplate({ type: "t" }),
    paused: false,
    createdAt,
    ...extra,
  };
}

/** A master that runs from `watchFrom` and wakes exactly at each next slot until `until`: what it fires. */
function simulate(
  n: ScheduleNode,
  watchFrom: number,
  until: number,
  progress: ScheduleProgress = INITIAL_PROGRESS,
): { fired: number[]; progress: ScheduleProgress } {
  const fired: number[] = [];
  let now = watchFrom;
  for (let i = 0; i < 10_000; i++) {
    const plan = planFirings(n, progress, now, watchFrom);
    fired.push(...plan.fire);
    progress = plan.progress;
    if (plan.next === null || plan.next > until) break;
    now = Math.max(now, plan.next);
  }
  return { fired, progress };
}

test("every 1s: one firing per slot, slots on whole seconds, none before the schedule existed", () => {
  const n = node({ every: "1s" }, 10_500);
  const { fired, progress } = simulate(n, 10_500, 15_000);
  assert.deepEqual(fired, [11_000, 12_000, 13_000, 14_000, 15_000]);
  assert.deepEqual(progress, { last: 15_000, fired: 5, missed: 0 });
  assert.equal(nextSlot(n, progress), 16_000);
});

test("missed slots (no master from 11.0 s to 15.5 s) follow `missed`", () => {
  const progress = { last: 11_000, fired: 2, missed: 0 };
  const at = (missed: "skip" | "one" | "all") =>
    planFirings(node({ every: "1s", missed }, 9_000), progress, 15_500, 15_500);
  assert.deepEqual(at("skip").fire, []);
  assert.deepEqual(at("skip").progress, { last: 15_000, fired: 2, missed: 4 });
  assert.deepEqual(at("one").fire, [15_000]);
  assert.deepEqual(at("one").progress, { last: 15_000, fired: 3, missed: 3 });
  assert.deepEqual(at("all").fire, [12_000, 13_000, 14_000, 15_000]);
  assert.deepEqual(at("all").progress, { last: 15_000, fired: 6, missed: 0 });
  // Slots after the new master started are on time whatever `missed` says.
  assert.deepEqual(
    planFirings(node({ every: "1s", missed: "skip" }, 9_000), at("skip").progress, 16_000, 15_500).fire,
    [16_000],
  );
});

test(`missed "all" fires at most the latest ${MISSED_ALL_CAP} slots of one gap`, () => {
  const plan = planFirings(
    node({ every: "100ms", missed: "all" }, 0),
    { last: 0, fired: 1, missed: 0 },
    300_000,
    300_000,
  );
  assert.equal(plan.fire.length, MISSED_ALL_CAP);
  assert.equal(plan.fire[0], 300_000 - (MISSED_ALL_CAP - 1) * 100);
  assert.equal(plan.fire.at(-1), 300_000);
  assert.equal(plan.missed, 3000 - MISSED_ALL_CAP);
});

test("cron in Europe/Berlin fires at 09:00 local across the DST change (fake clock)", () => {
  const created = Date.parse("2026-03-27T12:00:00Z");
  const n = node({ cron: "0 9 * * *", tz: "Europe/Berlin" }, created);
  const { fired } = simulate(n, created, Date.parse("2026-03-31T12:00:00Z"));
  assert.deepEqual(
    fired.map((t) => new Date(t).toISOString()),
    [
      "2026-03-28T08:00:00.000Z", // CET, UTC+1
      "2026-03-29T07:00:00.000Z", // CEST from 29 March, UTC+2
      "2026-03-30T07:00:00.000Z",
      "2026-03-31T07:00:00.000Z",
    ],
  );
  // Without tz a cron is read in UTC (every master computes the same instants).
  const utc = simulate(node({ cron: "30 6 * * *" }, created), created, Date.parse("2026-03-28T12:00:00Z"));
  assert.deepEqual(utc.fired, [Date.parse("2026-03-28T06:30:00Z")]);
});

test("cron with seconds, America/New_York, catch-up after a gap with missed one", () => {
  const n = node({ cron: "*/15 * * * * *", tz: "America/New_York" }, 0);
  const plan = planFirings(n, { last: 60_000, fired: 1, missed: 0 }, 130_000, 130_000);
  assert.deepEqual(plan.fire, [120_000]);
  assert.equal(plan.missed, 3);
  assert.equal(plan.next, 135_000);
});

test("limit, start and end bound the firings; the schedule then reports finished", () => {
  const limited = node({ every: "1s", limit: 3 }, 1);
  const a = simulate(limited, 500, 10_000);
  assert.deepEqual(a.fired, [1_000, 2_000, 3_000]);
  assert.equal(nextSlot(limited, a.progress), null);
  assert.equal(scheduleStatus(limited, a.progress), "finished");
  // A catch-up cut by the limit fires the earliest slots only.
  assert.deepEqual(
    planFirings(node({ every: "1s", limit: 2, missed: "all" }, 1), INITIAL_PROGRESS, 5_000, 5_000).fire,
    [1_000, 2_000],
  );
  const window = node({ every: "1h", start: "1970-01-01T00:30:00Z", end: "1970-01-01T03:30:00Z" }, 0);
  const b = simulate(window, 0, 10 * 3_600_000);
  assert.deepEqual(b.fired, [1_800_000, 5_400_000, 9_000_000, 12_600_000]);
  assert.equal(scheduleStatus(window, b.progress), "finished");
});

test("paused: nothing fires; resumed: slots of the pause are missed, later ones fire", () => {
  const paused = node({ every: "1s", missed: "skip" }, 0, { paused: true });
  const p = planFirings(paused, { last: 1_000, fired: 1, missed: 0 }, 5_000, 0);
  assert.deepEqual([p.fire, p.next, scheduleStatus(paused, p.progress)], [[], null, "paused"]);
  const resumed = node({ every: "1s", missed: "skip" }, 0, { resumedAt: 5_200 });
  const r = planFirings(resumed, { last: 1_000, fired: 1, missed: 0 }, 5_200, 0);
  assert.deepEqual([r.fire, r.progress], [[], { last: 5_000, fired: 1, missed: 4 }]);
  assert.deepEqual(planFirings(resumed, r.progress, 6_000, 0).fire, [6_000]);
  const one = node({ every: "1s" }, 0, { resumedAt: 5_200 });
  assert.deepEqual(planFirings(one, { last: 1_000, fired: 1, missed: 0 }, 5_200, 0).fire, [5_000]);
});

test("invalid specs are rejected with a precise InvalidArgumentError", () => {
  const cases: [ScheduleSpecInput, string][] = [
    [{}, "spec"],
    [{ every: "1s", cron: "* * * * *" }, "spec"],
    [{ every: "5x" }, "every"],
    [{ every: "1.5ms" }, "every"],
    [{ every: "10ms" }, "every"],
    [{ every: -1 }, "every"],
    [{ cron: "61 * * * *" }, "cron"],
    [{ cron: "every day" }, "cron"],
    [{ cron: "0 0 31 2 *" }, "cron"],
    [{ cron: "0 9 * * *", tz: "Mars/Olympus" }, "tz"],
    [{ every: "1s", tz: "UTC" }, "tz"],
    [{ every: "1s", start: "yesterday" }, "start"],
    [{ every: "1s", start: "2026-02-30T25:00:00Z" }, "start"],
    [{ every: "1s", start: "2026-02-01", end: "2026-01-01" }, "end"],
    [{ every: "1s", limit: 0 }, "limit"],
    [{ every: "1s", missed: "some" as "one" }, "missed"],
    [{ every: "1s", often: true } as ScheduleSpecInput, "often"],
  ];
  for (const [spec, arg] of cases)
    assert.throws(
      () => parseScheduleSpec(spec),
      (err: unknown) => err instanceof InvalidArgumentError && err.argument === arg,
      `${JSON.stringify(spec)} → ${arg}`,
    );
  assert.throws(() => parseTemplate({ type: "" }), InvalidArgumentError);
  assert.throws(() => parseTemplate({ type: "t", options: { id: "x" } as object }), /options\.id/);
  assert.deepEqual(parseScheduleSpec({ every: "5m", start: "2026-01-01T00:00:00Z" }), {
    every: 300_000,
    start: Date.parse("2026-01-01T00:00:00Z"),
    missed: "one",
  });
});
