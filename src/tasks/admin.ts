/** Cluster-wide controls any client may use; they live in ZooKeeper, so they survive master failover. */
import { NodeExistsError, NoNodeError, type ZooKeeperClient } from "../client/index.js";
import { Layout } from "./layout.js";
import { ensurePath } from "./zk.js";

/** Stops the assignment of new tasks (running ones continue). Idempotent. */
export async function pauseAssignment(client: ZooKeeperClient, root = "/"): Promise<void> {
  const layout = new Layout(root);
  if (root !== "/") await ensurePath(client, root);
  try {
    await client.create(layout.paused, null);
  } catch (err) {
    if (!(err instanceof NodeExistsError)) throw err;
  }
}

/** Resumes assignment. Idempotent. */
export async function resumeAssignment(client: ZooKeeperClient, root = "/"): Promise<void> {
  try {
    await client.delete(new Layout(root).paused);
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
  }
}
