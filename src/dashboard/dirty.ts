/** Turns a watch event's path into "what to read again", by where it sits in the task layout. */
import type { NodeEventType } from "../client/index.js";

export class Dirty {
  full = false;
  master = false;
  election = false;
  paused = false;
  workerList = false;
  /** Worker ids whose assign directory was created or deleted. */
  readonly assignDirs = new Set<string>();
  /** `<worker>/<assign-name>` relative to `<root>/assign`. */
  readonly assigns = new Set<string>();
  /** Task keys ("task-0000000007", "b-17/t-abc"). */
  readonly tasks = new Set<string>();

  get empty(): boolean {
    return (
      !this.full &&
      !this.master &&
      !this.election &&
      !this.paused &&
      !this.workerList &&
      this.assignDirs.size === 0 &&
      this.assigns.size === 0 &&
      this.tasks.size === 0
    );
  }
}

/** Marks `d` for an event on `path`; false (and nothing marked) when the event needs no read. */
export function classify(root: string, path: string, type: NodeEventType, d: Dirty): boolean {
  if (path === root) {
    d.full = true;
    return true;
  }
  const prefix = root === "/" ? "/" : `${root}/`;
  if (!path.startsWith(prefix)) return false;
  const parts = path.slice(prefix.length).split("/");
  const [top, a, b, c] = parts;
  switch (top) {
    case "master":
      if (parts.length !== 1) return false;
      d.master = true;
      return true;
    case "election":
      d.election = true;
      return true;
    case "paused":
      if (parts.length !== 1) return false;
      d.paused = true;
      return true;
    case "workers":
      if (parts.length > 2) return false;
      // Workers are few: any change re-lists them all, so a join can never be lost between a list that
      // replaces the map and a single read that lands in the map being replaced.
      d.workerList = true;
      return true;
    case "assign":
      // Its creation needs no read (the folders and assignments under it have their own events).
      if (a === undefined) {
        if (type === "NodeDeleted") d.full = true;
        return type === "NodeDeleted";
      } else if (b === undefined) d.assignDirs.add(a);
      else if (parts.length === 3) d.assigns.add(`${a}/${b}`);
      else return false;
      return true;
    case "tasks":
      return classifyTask(a, b, c, parts.length - 1, d, type);
    default:
      return false;
  }
}

function classifyTask(
  a: string | undefined,
  b: string | undefined,
  c: string | undefined,
  depth: number,
  d: Dirty,
  type: NodeEventType,
): boolean {
  if (a === undefined) {
    if (type === "NodeDeleted") d.full = true;
    return type === "NodeDeleted";
  }
  if (!a.startsWith("b-")) {
    // Raw seed task: task-<seq>, and its status (progress does not change the state).
    if (depth !== 1 && !(depth === 2 && b === "status")) return false;
    d.tasks.add(a);
    return true;
  }
  if (b === undefined) return false;
  if (depth === 2 || (depth === 3 && c === "status")) {
    d.tasks.add(`${a}/${b}`);
    return true;
  }
  return false;
}
