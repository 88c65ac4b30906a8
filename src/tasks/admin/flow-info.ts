/** A task's place in a flow, for `overseer tasks show` and the dashboard: its parent, root and children. */
import { NoNodeError, type ZooKeeperClient } from "../../client/index.js";
import { decodeEnvelope } from "../envelope.js";
import { decodeFlowChildren, flowLinksOf, modeOf, type ChildFailureMode } from "../flow.js";
import { Layout, keyOfId } from "../layout.js";
import { Submitter } from "../submit/submitter.js";
import type { TaskState } from "../submit/handle.js";
import { mapLimit } from "../zk.js";

export interface FlowChildInfo {
  id: string;
  onFailure: ChildFailureMode;
  /** Its state now; "missing" when the task node is gone. */
  state: TaskState | "missing";
}

export interface FlowInfo {
  /** The flow's root id (null: this task is the root). */
  root: string | null;
  /** Its parent's id (null: the root). */
  parent: string | null;
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
  client: ZooKeeperClient,
  id: string,
  opts: { root?: string; limit?: number } = {},
): Promise<FlowInfo | null> {
  const layout = new Layout(opts.root ?? "/");
  const key = keyOfId(id);
  const env = decodeEnvelope((await client.getData(layout.task(key))).data);
  const links = flowLinksOf(env?.flow);
  if (links === null) return null;
  let list = null;
  if ((links.children ?? 0) > 0) {
    try {
      list = decodeFlowChildren((await client.getData(layout.flow(key))).data);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
  }
  const sub = new Submitter(client, { root: layout.root });
  const shown = (list?.children ?? []).slice(0, opts.limit ?? 100);
  const children = await mapLimit(shown, 16, async (cid): Promise<FlowChildInfo> => {
    const onFailure = list === null ? "fail-parent" : modeOf(list, cid);
    try {
      return { id: cid, onFailure, state: (await sub.handle(cid).status()).state };
    } catch {
      return { id: cid, onFailure, state: "missing" };
    }
  });
  return {
    root: links.root ?? null,
    parent: links.parent ?? null,
    waiting: links.waiting === true,
    childCount: list?.children.length ?? links.children ?? 0,
    children,
  };
}
