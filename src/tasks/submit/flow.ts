/**
 * A flow tree as the caller writes it, checked and flattened into the tasks to create, children before
 * their parent and the root last. The submitter writes them in that order, in as many multis as needed:
 * no node runs before the root exists (the master holds a flow's nodes until then), so a write cut
 * short leaves nothing that runs, and a retry with the same root id completes it (ids are deterministic).
 */
import { InvalidArgumentError } from "../../client/index.js";
import { parseChildFailureMode, type ChildFailureMode, type FlowChildren, type FlowLinks } from "../flow.js";
import { checkTaskId } from "../layout.js";
import { generateId, type SubmitOptions } from "./options.js";
import type { TaskHandle } from "./handle.js";

/** What submitFlow wrote. */
export interface FlowSubmission {
  /** The root task: its result is the flow's. */
  root: TaskHandle;
  /** Every node's id, the root's first, each parent before its children. */
  ids: string[];
  /** False when every node existed already (a retried submitFlow). */
  created: boolean;
}

/** One node of a flow: a task, and the tasks that must finish before it runs. */
export interface FlowNode {
  type: string;
  payload?: unknown;
  options?: SubmitOptions;
  /** Task id. Default: the root's is random; a child's is `<root id>.<n>` (n: its place in pre-order). */
  id?: string;
  /** Tasks that run first; this one runs once they have all finished. */
  children?: readonly FlowNode[];
  /** What this node's failure does to its parent (ignored on the root). Default "fail-parent". */
  onFailure?: ChildFailureMode;
}

/** One task of a flow, ready to be prepared and written. */
export interface PlannedNode {
  id: string;
  /** Where it sits in the tree, for error messages ("root.children[2]"). */
  at: string;
  type: string;
  payload: unknown;
  options: SubmitOptions;
  links: FlowLinks;
  /** Parents only: the `<task>/flow` node's content. */
  children: FlowChildren | null;
}

/** Nodes in one flow at most: keeps a flow's write and the master's bookkeeping bounded. */
export const MAX_FLOW_NODES = 100_000;

const NODE_KEYS = new Set(["type", "payload", "options", "id", "children", "onFailure"]);

/** Checks `tree` and lists its tasks in post-order (every child before its parent; the root last).
 * Errors name the node (`<prefix>root.children[2]`). */
export function planFlow(tree: FlowNode, prefix = ""): PlannedNode[] {
  const out: PlannedNode[] = [];
  const ids = new Set<string>();
  let counter = 0;
  let rootId = "";
  const visit = (node: FlowNode, at: string, parent: string | null): string => {
    if (node === null || typeof node !== "object" || Array.isArray(node))
      throw new InvalidArgumentError(at, "expected { type, payload?, options?, id?, children?, onFailure? }");
    for (const k of Object.keys(node))
      if (!NODE_KEYS.has(k)) throw new InvalidArgumentError(`${at}.${k}`, "unknown field");
    if (++counter > MAX_FLOW_NODES)
      throw new InvalidArgumentError("flow", `more than ${MAX_FLOW_NODES} nodes`);
    const n = counter - 1;
    const given = node.id ?? node.options?.id;
    if (node.id !== undefined && node.options?.id !== undefined && node.id !== node.options.id)
      throw new InvalidArgumentError(`${at}.id`, "differs from options.id");
    const id =
      given !== undefined
        ? checkId(`${at}.id`, given)
        : parent === null
          ? generateId()
          : checkId(`${at}.id`, `${rootId}.${n}`);
    if (parent === null) rootId = id;
    if (ids.has(id)) throw new InvalidArgumentError(`${at}.id`, `id ${id} appears twice in the flow`);
    ids.add(id);
    if (parent === null && node.onFailure !== undefined)
      throw new InvalidArgumentError(`${at}.onFailure`, "applies to a child, not to the root");
    const kids = node.children ?? [];
    if (!Array.isArray(kids)) throw new InvalidArgumentError(`${at}.children`, "expected an array");
    const childIds: string[] = [];
    const onFailure: Record<string, "ignore" | "continue"> = {};
    kids.forEach((child: FlowNode, i) => {
      const where = `${at}.children[${i}]`;
      const mode = parseChildFailureMode(
        `${where}.onFailure`,
        (child as { onFailure?: unknown } | null)?.onFailure,
      );
      const cid = visit(child, where, id);
      childIds.push(cid);
      if (mode !== "fail-parent") onFailure[cid] = mode;
    });
    const links: FlowLinks = {};
    if (parent !== null) {
      links.root = rootId;
      links.parent = parent;
    }
    if (childIds.length > 0) {
      links.children = childIds.length;
      links.waiting = true;
    }
    const options: SubmitOptions = { ...(node.options ?? {}), id };
    out.push({
      id,
      at,
      type: node.type,
      payload: node.payload,
      options,
      links,
      children: childIds.length > 0 ? { children: childIds, onFailure } : null,
    });
    return id;
  };
  visit(tree, `${prefix}root`, null);
  return out;
}

function checkId(at: string, id: unknown): string {
  try {
    return checkTaskId(id);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(at, err.message);
    throw err;
  }
}
