import assert from "node:assert/strict";
import { test } from "node:test";
import { EventType } from "../../src/protocol/index.js";
import { PersistentWatch, WatchManager } from "../../src/client/watches.js";
import type { Logger } from "../../src/client/options.js";
import type { WatchEvent } from "../../src/client/types.js";

const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Recursive watches on `roots`; returns the paths each one saw, by root. */
function recursiveSeen(roots: string[], events: [number, string][]): Map<string, string[]> {
  const m = new WatchManager(quiet);
  const watches = roots.map((r) => new PersistentWatch(r, true, () => Promise.resolve()));
  for (const w of watches) m.addPersistent(w);
  for (const [type, path] of events) m.dispatch(type, path);
  const seen = new Map<string, string[]>();
  for (const w of watches) {
    const items = (w.channel as unknown as { items: WatchEvent[] }).items;
    seen.set(
      w.path,
      items.map((e) => e.path),
    );
  }
  return seen;
}

test("recursive watches see their subtree only, whether few (scanned) or many (parents walked)", () => {
  const events: [number, string][] = [
    [EventType.NodeCreated, "/a/b/c"],
    [EventType.NodeDataChanged, "/ab"],
    [EventType.NodeChildrenChanged, "/a"], // never delivered to recursive watches
    [EventType.NodeDeleted, "/a"],
  ];
  const few = ["/", "/a", "/a/b", "/a/b/c", "/ab/x"];
  const many = [...few, ...Array.from({ length: 10 }, (_, i) => `/other${i}`)];
  for (const roots of [few, many]) {
    const seen = recursiveSeen(roots, events);
    assert.deepEqual(seen.get("/"), ["/a/b/c", "/ab", "/a"]);
    assert.deepEqual(seen.get("/a"), ["/a/b/c", "/a"]);
    assert.deepEqual(seen.get("/a/b"), ["/a/b/c"]);
    assert.deepEqual(seen.get("/a/b/c"), ["/a/b/c"]);
    assert.deepEqual(seen.get("/ab/x"), []);
  }
});

test("a one-shot callback set as data and exist watch fires once, and may re-arm itself", () => {
  const m = new WatchManager(quiet);
  const fired: string[] = [];
  const cb = (e: WatchEvent): void => {
    fired.push(e.type);
    if (fired.length === 1) m.addData("/n", cb);
  };
  m.addData("/n", cb);
  m.addExist("/n", cb);
  m.addChild("/n", cb);
  m.dispatch(EventType.NodeDataChanged, "/n");
  assert.deepEqual(fired, ["NodeDataChanged"]);
  assert.equal(m.has("/n", "data"), true); // re-armed
  m.dispatch(EventType.NodeDeleted, "/n"); // the re-armed data watch and the child watch: once
  assert.deepEqual(fired, ["NodeDataChanged", "NodeDeleted"]);
  assert.equal(m.isEmpty, true);
  m.dispatch(EventType.NodeDeleted, "/n"); // nothing left
  assert.equal(fired.length, 2);
});
