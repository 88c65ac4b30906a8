/**
 * What the master learns from its persistent recursive watch on `<root>/tasks`, as a pure
 * classification of an event's path. The watch replaces re-listing: a new task, a stored outcome, a
 * retry's, hand-back's or requeue's version bump each arrive as one event naming the node, so the master
 * never lists a bucket or an assignment folder again after a term's initial load (an assignment ends
 * with a status or a version bump of its task, in the same multi). Events are hints: anything that
 * decides an assignment is re-read — or, from a server whose events carry data (the embedded server,
 * protocol/extensions.ts), taken from the event, which holds exactly what that read would return.
 */
import type { ReadOpResult, WatchEvent } from "../../client/index.js";
import type { ClusterState } from "./state.js";
import { BUCKET_PREFIX, RAW_PREFIX, TASK_PREFIX } from "../layout.js";

export type TaskChange =
  /** The task node was created or its data changed: read it again. */
  | { kind: "task"; key: string }
  /** The task node is gone (retention, or by hand). */
  | { kind: "gone"; key: string }
  /** Its status node was created: the task is finished. */
  | { kind: "finished"; key: string }
  | null;

/** Classifies an event under `<root>/tasks` (`base` is that path). Index arithmetic on the path, no
 * split: this runs twice per task (its creation, its status). */
export function taskChange(base: string, e: WatchEvent): TaskChange {
  const path = e.path;
  const from = base.length + 1;
  if (path.length <= from || path.charCodeAt(base.length) !== SLASH || !path.startsWith(base)) return null;
  const slash = path.indexOf("/", from);
  let end: number;
  if (path.startsWith(BUCKET_PREFIX, from)) {
    if (slash < 0 || !path.startsWith(TASK_PREFIX, slash + 1)) return null;
    end = path.indexOf("/", slash + 1);
  } else if (path.startsWith(RAW_PREFIX, from)) end = slash;
  else return null;
  if (end < 0) {
    const key = path.slice(from);
    if (e.type === "NodeDeleted") return { kind: "gone", key };
    if (e.type === "NodeCreated" || e.type === "NodeDataChanged") return { kind: "task", key };
    return null;
  }
  // Exactly <key>/status (not a grandchild, not another child).
  if (e.type === "NodeCreated" && path.length === end + STATUS.length && path.endsWith(STATUS))
    return { kind: "finished", key: path.slice(from, end) };
  return null;
}

const SLASH = 0x2f;
const STATUS = "/status";

/**
 * Applies a `<root>/tasks` event to the picture; true if the master loop has something to do. A task to
 * read goes to `refresh`, or to `known` with the reading when the event carried it; a key is in one
 * of them at most, and the latest event decides which (a later `refresh.add` by a failed commit wins:
 * the loop reads every refreshed key and drops its known reading).
 */
export function applyTaskEvent(
  state: ClusterState,
  refresh: Set<string>,
  known: Map<string, ReadOpResult>,
  base: string,
  e: WatchEvent,
): boolean {
  const c = taskChange(base, e);
  if (c === null) return false;
  if (c.kind === "finished") {
    known.delete(c.key);
    state.finish(c.key, Date.now());
  } else if (c.kind === "gone") {
    known.delete(c.key);
    state.forget(c.key);
  } else if (!state.finished.has(c.key)) {
    // A task's data changes while assigned only when that execution is over (retry, hand-back, requeue).
    state.unassign(c.key);
    if (e.stat === undefined) {
      known.delete(c.key);
      refresh.add(c.key);
    } else {
      refresh.delete(c.key);
      known.set(c.key, { type: "getData", data: e.data ?? null, stat: e.stat });
    }
  }
  return true;
}
