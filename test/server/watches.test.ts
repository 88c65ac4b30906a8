/** Watch tables without sockets: recursive watches reach the same connections whether the manager
 * scans its few watched paths or walks the event path's ancestors (many watched paths). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventType, OPEN_ACL_UNSAFE, type Id } from "../../src/protocol/index.js";
import { WatchManager, WatchSet, type Watcher } from "../../src/server/watches.js";

class FakeWatcher implements Watcher {
  readonly watches = new WatchSet();
  readonly authIds: Id[] = [{ scheme: "ip", id: "127.0.0.1" }];
  readonly events: string[] = [];
  constructor(readonly name: string) {}
  notify(type: number, path: string): void {
    this.events.push(`${type} ${path}`);
  }
}

const WATCHED = ["/", "/a", "/a/b", "/ab", "/a/bc", "/x/y"];
const EVENTS = ["/a", "/a/b", "/a/b/c", "/ab", "/ab/c", "/a/bc", "/a/bcd", "/x", "/x/y", "/x/y/z", "/b"];

function run(extraWatchedPaths: number): Map<string, string[]> {
  const m = new WatchManager();
  const watchers = WATCHED.map((p) => new FakeWatcher(p));
  WATCHED.forEach((p, i) => m.addPersistent(p, watchers[i] as FakeWatcher, true));
  // Unrelated watched paths push the table past the scan limit.
  const other = new FakeWatcher("other");
  for (let i = 0; i < extraWatchedPaths; i++) m.addPersistent(`/other/${i}`, other, true);
  for (const p of EVENTS) m.nodeEvent(EventType.NodeCreated, p, OPEN_ACL_UNSAFE);
  return new Map([...watchers, other].map((w) => [w.name, w.events]));
}

test("recursive watches: scanning few watched paths and walking ancestors deliver the same events", () => {
  const few = run(0);
  const many = run(50);
  assert.deepEqual(few, many);
  const c = String(EventType.NodeCreated);
  assert.deepEqual(few.get("/a"), [`${c} /a`, `${c} /a/b`, `${c} /a/b/c`, `${c} /a/bc`, `${c} /a/bcd`]);
  assert.deepEqual(few.get("/a/b"), [`${c} /a/b`, `${c} /a/b/c`]);
  assert.deepEqual(few.get("/ab"), [`${c} /ab`, `${c} /ab/c`]);
  assert.deepEqual(few.get("/x/y"), [`${c} /x/y`, `${c} /x/y/z`]);
  assert.equal(few.get("/")?.length, EVENTS.length);
  assert.deepEqual(few.get("other"), []);
});
