/** The task log's bounds and the event follower's path reading, without a server. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  appendBounded,
  MAX_LINE_CHARS,
  MAX_LOG_CHARS,
  MAX_LOG_LINES,
} from "../../src/tasks/worker/execution/task-log.js";
import { classify } from "../../src/tasks/admin/event-types.js";
import { Layout } from "../../src/tasks/layout.js";

const line = (n: number, text = `line ${n}`): { at: number; attempt: number; line: string } => ({
  at: n,
  attempt: 1,
  line: text,
});

test("a log keeps its last MAX_LOG_LINES lines and counts the dropped ones", () => {
  const many = Array.from({ length: MAX_LOG_LINES + 5 }, (_, i) => line(i));
  const log = appendBounded({ lines: [], dropped: 2 }, many);
  assert.equal(log.lines.length, MAX_LOG_LINES);
  assert.equal(log.dropped, 7);
  assert.equal(log.lines[0]?.line, "line 5");
});

test("a log keeps at most MAX_LOG_CHARS characters, oldest dropped first; long lines are cut", () => {
  const big = "y".repeat(MAX_LINE_CHARS);
  const n = Math.ceil(MAX_LOG_CHARS / MAX_LINE_CHARS) + 3;
  const log = appendBounded(
    { lines: [], dropped: 0 },
    Array.from({ length: n }, (_, i) => line(i, big + "zz")),
  );
  const chars = log.lines.reduce((s, l) => s + l.line.length, 0);
  assert.ok(chars <= MAX_LOG_CHARS, `${chars} characters kept`);
  assert.equal(log.dropped + log.lines.length, n);
  assert.ok(log.lines.every((l) => l.line.length === MAX_LINE_CHARS && l.line.endsWith("…")));
  assert.equal(log.lines.at(-1)?.at, n - 1, "the newest line is kept");
});

test("the follower tells tasks, statuses, progress and assignments apart", () => {
  const layout = new Layout("/app");
  assert.deepEqual(classify(layout, "/app/tasks/b-03/t-x"), { kind: "task", key: "b-03/t-x" });
  assert.deepEqual(classify(layout, "/app/tasks/b-03/t-x/status"), { kind: "status", key: "b-03/t-x" });
  assert.deepEqual(classify(layout, "/app/tasks/b-03/t-x/progress"), { kind: "progress", key: "b-03/t-x" });
  assert.deepEqual(classify(layout, "/app/tasks/b-03/t-x/logs"), { kind: "other" });
  assert.deepEqual(classify(layout, "/app/tasks/b-03"), { kind: "other" });
  assert.deepEqual(classify(layout, "/app/tasks/task-0000000001"), { kind: "task", key: "task-0000000001" });
  assert.deepEqual(classify(layout, "/app/tasks/task-0000000001/status"), {
    kind: "status",
    key: "task-0000000001",
  });
  assert.deepEqual(classify(layout, "/app/assign/w1/b-03.t-x"), {
    kind: "assignment",
    key: "b-03/t-x",
    worker: "w1",
  });
  assert.deepEqual(classify(layout, "/app/assign/w1"), { kind: "other" });
  assert.deepEqual(classify(layout, "/app/workers/w1"), { kind: "other" });
});
