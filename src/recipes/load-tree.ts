/** Reads a whole subtree (data and Stat of every node), level by level with pipelined requests. */
import { NoNodeError, type Stat, type ZooKeeperClient } from "../client/index.js";
import { join } from "./internal.js";

export interface CachedNode {
  /** null when the node was created with null data. */
  readonly data: Buffer | null;
  readonly stat: Stat;
}

/**
 * Nodes that vanish between being listed and being read are skipped: the watch that must be in
 * place before this is called reports their deletion anyway.
 */
export async function loadTree(client: ZooKeeperClient, root: string): Promise<Map<string, CachedNode>> {
  const out = new Map<string, CachedNode>();
  let level = [root];
  while (level.length > 0) {
    const read = await Promise.all(level.map((p) => readNode(client, p)));
    const next: string[] = [];
    level.forEach((path, i) => {
      const r = read[i];
      if (r === undefined || r === null) return;
      out.set(path, r.node);
      for (const name of r.children) next.push(join(path, name));
    });
    level = next;
  }
  return out;
}

async function readNode(
  client: ZooKeeperClient,
  path: string,
): Promise<{ node: CachedNode; children: string[] } | null> {
  try {
    const [node, children] = await Promise.all([client.getData(path), client.getChildren(path)]);
    return { node, children };
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}
