/** The dashboard's task detail shows a flow task's place in its tree: parent, children and their states. */
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { Submitter, type FlowInfo } from "../../src/tasks/index.js";
import { keyOfId } from "../../src/tasks/layout.js";
import { getJson, startFixture, type Fixture } from "./helpers.js";

let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(async () => {
  await f?.close();
});

const detail = (id: string): Promise<{ flow: FlowInfo | null }> =>
  getJson(new URL(`/api/task?key=${encodeURIComponent(keyOfId(id))}`, f.dash.url).href);

test("a flow parent's detail lists its children; a child's names its parent; a plain task has none", async () => {
  const sub = new Submitter(f.client, { root: f.root });
  await sub.submitFlow({
    type: "sum",
    id: "dash-root",
    children: [
      { type: "num", id: "dash-a" },
      { type: "num", id: "dash-b", onFailure: "ignore" },
    ],
  });
  await sub.submit("num", 1, { id: "plain" });
  const root = await detail("dash-root");
  assert.deepEqual(root.flow, {
    root: null,
    parent: null,
    waiting: true,
    childCount: 2,
    children: [
      { id: "dash-a", key: keyOfId("dash-a"), onFailure: "fail-parent", state: "unfinished" },
      { id: "dash-b", key: keyOfId("dash-b"), onFailure: "ignore", state: "unfinished" },
    ],
  });
  const child = await detail("dash-b");
  assert.deepEqual(child.flow?.parent, { id: "dash-root", key: keyOfId("dash-root") });
  assert.equal((await detail("plain")).flow, null);
});
