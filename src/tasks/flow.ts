/**
 * Flows (task dependencies) as stored in ZooKeeper. A flow is a tree of ordinary structured tasks:
 * every node's envelope carries `flow` links (its root and parent ids), and a node with children also
 * has a `<task>/flow` child znode listing them, so the parent's envelope (which the master reads in
 * batches) stays small however many children it has. See docs/SEMANTICS.md "Flows".
 */
import { InvalidArgumentError } from "../client/index.js";
import { checkTaskId } from "./layout.js";

/** What a child's failure (failed or cancelled) does to its parent. */
export type ChildFailureMode = "fail-parent" | "ignore" | "continue";
export const CHILD_FAILURE_MODES: readonly ChildFailureMode[] = ["fail-parent", "ignore", "continue"];

/** The `flow` part of a task's envelope. */
export interface FlowLinks {
  /** The flow's root id (absent on the root itself): a node runs only once its root exists. */
  root?: string;
  /** The parent's id (absent on the root). */
  parent?: string;
  /** Number of children (parents only); their ids are in `<task>/flow`. */
  children?: number;
  /** While true the master does not assign the task: some child has not finished. Cleared by the master. */
  waiting?: boolean;
}

/** The data of `<task>/flow`: a parent's children, in the order given. */
export interface FlowChildren {
  children: string[];
  /** Children whose failure does not fail the parent (absent: "fail-parent"). */
  onFailure: Record<string, "ignore" | "continue">;
}

export function encodeFlowChildren(f: FlowChildren): string {
  return JSON.stringify(f);
}

/** Decodes `<task>/flow`; ids that are not task ids are dropped (then the parent never sees them). */
export function decodeFlowChildren(data: Buffer | null): FlowChildren | null {
  if (data === null) return null;
  try {
    const v = JSON.parse(data.toString("utf8")) as Partial<FlowChildren> | null;
    if (v === null || typeof v !== "object" || !Array.isArray(v.children)) return null;
    const children = v.children.filter((id): id is string => typeof id === "string" && validId(id));
    const onFailure: Record<string, "ignore" | "continue"> = {};
    const modes = v.onFailure;
    if (modes !== undefined && typeof modes === "object" && modes !== null)
      for (const [id, m] of Object.entries(modes)) if (m === "ignore" || m === "continue") onFailure[id] = m;
    return { children, onFailure };
  } catch {
    return null;
  }
}

function validId(id: string): boolean {
  try {
    checkTaskId(id);
    return true;
  } catch {
    return false;
  }
}

export function modeOf(f: FlowChildren, id: string): ChildFailureMode {
  return f.onFailure[id] ?? "fail-parent";
}

export function parseChildFailureMode(name: string, v: unknown): ChildFailureMode {
  if (v === undefined) return "fail-parent";
  if (typeof v !== "string" || !CHILD_FAILURE_MODES.includes(v as ChildFailureMode))
    throw new InvalidArgumentError(name, `expected one of ${CHILD_FAILURE_MODES.join(", ")}`);
  return v as ChildFailureMode;
}

/** The flow links of a decoded envelope field (anything malformed: none). */
export function flowLinksOf(v: unknown): FlowLinks | null {
  if (v === undefined || v === null || typeof v !== "object" || Array.isArray(v)) return null;
  return v;
}
