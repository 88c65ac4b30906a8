/**
 * The master's per-task string work: classifying an event path under <root>/tasks (index arithmetic,
 * compared with a plain split-based reading), and an assignment's JSON (byte for byte JSON.stringify).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeEventType } from "../../src/client/index.js";
import { taskChange, type TaskChange } from "../../src/tasks/master/events.js";
import { assignmentData } from "../../src/tasks/master/writes.js";
import { parseInfo } from "../../src/tasks/worker/execution/types.js";
import type { PendingTask } from "../../src/tasks/master/state.js";

/** The reference reading: split the path and look at its parts. */
function reference(base: string, type: NodeEventType, path: string): TaskChange {
  if (!path.startsWith(`${base}/`)) return null;
  const parts = path.slice(base.length + 1).split("/");
  const [first = "", second = ""] = parts;
  let key: string;
  let rest: string[];
  if (first.startsWith("b-") && second.startsWith("t-")) {
    key = `${first}/${second}`;
    rest = parts.slice(2);
  } else if (first.startsWith("task-")) {
    key = first;
    rest = parts.slice(1);
  } else return null;
  if (rest.length === 0) {
    if (type === "NodeDeleted") return { kind: "gone", key };
    if (type === "NodeCreated" || type === "NodeDataChanged") return { kind: "task", key };
    return null;
  }
  if (rest.length === 1 && rest[0] === "status" && type === "NodeCreated") return { kind: "finished", key };
  return null;
}

test("taskChange classifies paths as a split-based reading does", () => {
  const types: NodeEventType[] = ["NodeCreated", "NodeDeleted", "NodeDataChanged", "NodeChildrenChanged"];
  const tails = [
    "",
    "/b-07",
    "/b-07/t-abc",
    "/b-07/t-abc/status",
    "/b-07/t-abc/progress",
    "/b-07/t-abc/status/x",
    "/b-07/t-abc/statusx",
    "/b-07/x-abc",
    "/b-07/t-",
    "/task-0000000001",
    "/task-0000000001/status",
    "/task-0000000001/progress",
    "/task-0000000001/status/deeper",
    "/tasky",
    "/other/task-1",
    "x/b-07/t-abc",
    "x",
  ];
  for (const base of ["/tasks", "/root/tasks"])
    for (const tail of tails)
      for (const type of types) {
        const path = base + tail;
        assert.deepEqual(taskChange(base, { type, path }), reference(base, type, path), `${type} ${path}`);
      }
});

test("assignmentData is JSON.stringify of the assignment, also for odd envelopes", () => {
  const task = (over: Partial<PendingTask>): PendingTask => ({
    key: "b-01/t-a",
    seq: 1n,
    n: 0,
    version: 4,
    type: "t",
    priority: 0,
    labels: [],
    notBefore: 0,
    delivery: "fenced",
    attempt: 2,
    group: "",
    ...over,
  });
  const cases: PendingTask[] = [
    task({}),
    task({ key: 'task-"quoted\\' }),
    task({ attempt: "11" as unknown as number }),
    task({ attempt: NaN }),
    task({ delivery: undefined }),
  ];
  for (const t of cases)
    for (const at of [1_700_000_000_000, 0, 1.5])
      for (const data of [undefined, Buffer.from('{"v":1,"payload":"é\\"}'), Buffer.from([0, 255, 10])]) {
        const json = assignmentData(t, at, data);
        assert.equal(
          json,
          JSON.stringify({
            task: t.key,
            token: t.version,
            attempt: t.attempt,
            delivery: t.delivery,
            at,
            data: data?.toString("base64"),
          }),
        );
        // The worker gets the task's bytes back exactly (worker/execution/types.ts parseInfo).
        assert.deepEqual(parseInfo(Buffer.from(json)).data, data);
      }
});
