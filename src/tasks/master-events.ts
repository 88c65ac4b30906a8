/**
 * What the master learns from its persistent recursive watch on `<root>/tasks`, as a pure
 * classification of an event's path. The watch replaces re-listing: a new task, a stored outcome, a
 * retry's, hand-back's or requeue's version bump each arrive as one event naming the node, so the master
 * never lists a bucket or an assignment folder again after a term's initial load (an assignment ends
 * with a status or a version bump of its task, in the same multi). Events are hints: anything that
 * decides an assignment is re-read.
 */
import type { WatchEvent } from "../client/index.js";
import type { ClusterState } from "./master-state.js";
import { BUCKET_PREFIX, RAW_PREFIX, TASK_PREFIX } from "./layout.js";

export type TaskChange =
  /** The task node was created or its data changed: read it again. */
  | { kind: "task"; key: string }
  /** The task node is gone (retention, or by hand). */
  | { kind: "gone"; key: string }
  /** Its status node was created: the task is finished. */
  | { kind: "finished"; key: string }
  | null;

/** Classifies an event under `<root>/tasks` (`base` is that path). */
export function taskChange(base: string, e: WatchEvent): TaskChange {
  if (!e.path.startsWith(`${base}/`)) return null;
  const parts = e.path.slice(base.length + 1).split("/");
  let key: string;
  let rest: string[];
  const [first = "", second = ""] = parts;
  if (first.startsWith(BUCKET_PREFIX) && second.startsWith(TASK_PREFIX)) {
    key = `${first}/${second}`;
    rest = parts.slice(2);
  } else if (first.startsWith(RAW_PREFIX)) {
    key = first;
    rest = parts.slice(1);
  } else return null;
  if (rest.length === 0) {
    if (e.type === "NodeDeleted") return { kind: "gone", key };
    if (e.type === "NodeCreated" || e.type === "NodeDataChanged") return { kind: "task", key };
    return null;
  }
  if (rest.length === 1 && rest[0] === "status" && e.type === "NodeCreated") return { kind: "finished", key };
  return null;
}

/** Applies a `<root>/tasks` event to the picture; true if the master loop has something to do. */
export function applyTaskEvent(
  state: ClusterState,
  refresh: Set<string>,
  base: string,
  e: WatchEvent,
): boolean {
  const c = taskChange(base, e);
  if (c === null) return false;
  if (c.kind === "finished") state.finish(c.key, Date.now());
  else if (c.kind === "gone") state.forget(c.key);
  else if (!state.finished.has(c.key)) {
    // A task's data changes while assigned only when that execution is over (retry, hand-back, requeue).
    state.unassign(c.key);
    refresh.add(c.key);
  }
  return true;
}
