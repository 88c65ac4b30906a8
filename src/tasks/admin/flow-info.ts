/**
 * A task's place in a flow, for `overseer tasks show` and the dashboard: its parent, root and children.
 * One node's data per request (a task's payload may be large; several in one reply could pass
 * jute.maxbuffer), through any reader with getData and exists (a client, or the dashboard's bounded one).
 */
import { NoNodeError } from "../../client/index.js";
import { decodeEnvelope, decodeOutcome } from "../envelope.js";
import {
  decodeFlowChildren,
  flowLinksOf,
  modeOf,
  type ChildFailureMode,
  type FlowChildren,
} from "../flow.js";
import { Layout, keyOfId } from "../layout.js";
import { mapLimit } from "../zk.js";

export interface FlowReader {
  getData(path: string): Promise<{ data: Buffer | null }>;
  exists(path: string): Promise<unknown>;
}

export interface FlowChildInfo {
  id: string;
  /** Its path under `<root>/tasks` (what the dashboard links by). */
  key: string;
  onFailure: ChildFailureMode;
  /** Its outcome's state, "unfinished" (waiting or running), or "missing" (the task node is gone). */
  state: "done" | "failed" | "cancelled" | "unfinished" | "missing";
}

export interface FlowInfo {
  /** The flow's root id (null: this task is the root). */
  root: string | null;
  /** Its parent's id and key (null: the root). */
  parent: { id: string; key: string } | null;
  /** A parent still waiting for some child to finish. */
  waiting: boolean;
  /** Number of children (0: a leaf). */
  childCount: number;
  /** The first `limit` children, in the order given, with their states. */
  children: FlowChildInfo[];
}

/**
 * The flow links of task `id`; null when it is not part of a flow. Reads the state of up to `limit`
 * children (default 100). Throws NoNodeError when the task does not exist.
 */
export async function readFlowInfo(
  reader: FlowReader,
  id: string,
  opts: { root?: string; limit?: number } = {},
): Promise<FlowInfo | null> {
  const layout = new Layout(opts.root ?? "/");
  const key = keyOfId(id);
  const links = flowLinksOf(decodeEnvelope((await reader.getData(layout.task(key))).data)?.flow);
  if (links === null) return null;
  let list: FlowChildren | null = null;
  if ((links.children ?? 0) > 0) {
    try {
      list = decodeFlowChildren((await reader.getData(layout.flow(key))).data);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
  }
  const shown = (list?.children ?? []).slice(0, opts.limit ?? 100);
  const children = await mapLimit(shown, 16, async (cid): Promise<FlowChildInfo> => {
    const ckey = keyOfId(cid);
    const onFailure = list === null ? "fail-parent" : modeOf(list, cid);
    return { id: cid, key: ckey, onFailure, state: await childState(reader, layout, ckey) };
  });
  return {
    root: links.root ?? null,
    parent: links.parent === undefined ? null : { id: links.parent, key: keyOfId(links.parent) },
    waiting: links.waiting === true,
    childCount: list?.children.length ?? links.children ?? 0,
    children,
  };
}

async function childState(reader: FlowReader, layout: Layout, key: string): Promise<FlowChildInfo["state"]> {
  try {
    return decodeOutcome((await reader.getData(layout.status(key))).data).state;
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
  }
  return (await reader.exists(layout.task(key))) === null ? "missing" : "unfinished";
}
