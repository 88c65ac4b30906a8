/** `overseer demo` (what `npm start` runs), small: the summary's own check passes and its numbers add up. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "./run-cli.js";
import { formatSummary } from "../../src/cli/demo/summary.js";
import type { DemoSummary } from "../../src/cli/demo/types.js";

interface Summary {
  ok: boolean;
  tasks: number;
  completed: number;
  committedResults: number;
  executions: number;
  duplicateExecutions: number;
  unexplained: string[];
  killed: { master: string | null; worker: string | null } | null;
  failoverMs: number | null;
}

test("demo --tasks 300: kills the leading master and a worker, every task completes with one committed result", async () => {
  const res = await runCli(["demo", "--tasks", "300", "--json"], {}, 60_000);
  assert.equal(res.code, 0, res.stderr + res.stdout);
  const s = JSON.parse(res.stdout) as Summary;
  assert.equal(s.ok, true);
  assert.equal(s.completed, 300);
  assert.equal(s.committedResults, 300);
  assert.deepEqual(s.unexplained, []);
  assert.equal(s.executions, 300 + s.duplicateExecutions);
  assert.match(s.killed?.master ?? "", /^demo-m\d$/);
  assert.match(s.killed?.worker ?? "", /^demo-w\d$/);
  assert.ok(s.failoverMs !== null && s.failoverMs > 0);
});

test("demo usage errors exit 2", async () => {
  const res = await runCli(["demo", "--workers", "1"]);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /--workers must be at least 2/);
});

test("the summary says how many tasks were taken back, and how many of them were counted as lost", () => {
  const base: DemoSummary = {
    tasks: 10,
    completed: 10,
    executions: 12,
    duplicateTasks: 2,
    duplicateExecutions: 2,
    reassigned: 1,
    committedResults: 10,
    ok: true,
    notCompleted: [],
    unexplained: [],
    masters: 2,
    workers: 3,
    killed: { master: "demo-m1", worker: "demo-w1", atCompleted: 4 },
    failoverMs: 2020,
    reassignMs: 2066,
    takenBack: 31,
    staleRejected: 0,
    sessionTimeoutMs: 2000,
    runMs: 4000,
    throughput: 2.5,
    totalMs: 5000,
  };
  assert.match(
    formatSummary(base),
    /reassigned +31 task\(s\) taken back from the killed worker and run elsewhere; 1 counted as lost with it/,
  );
  assert.match(
    formatSummary({ ...base, takenBack: null }),
    /reassigned +1 task\(s\) counted as lost with a worker/,
  );
});
