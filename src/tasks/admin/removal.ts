/**
 * Deleting tasks for the admin API: a task node with its subtree (status, progress, whatever a later
 * version adds below it), many tasks per multi. A delete "at a version" is strict: it deletes the task
 * only as it was read — unchanged data and no outcome stored since — so `drain()` never deletes a task
 * that was retried, requeued or finished meanwhile. A delete at version -1 takes whatever is there.
 */
import { NoNodeError, NotEmptyError, BadVersionError, type ZooKeeperClient } from "../../client/index.js";
import type { Layout } from "../layout.js";
import { mapLimit } from "../zk.js";
import { orNull } from "./members.js";

export interface Removal {
  key: string;
  /** The task node's data version as read; -1: any. */
  version: number;
}

/** What became of one removal: deleted; changed since it was read (kept); already gone. */
export type RemovalResult = "deleted" | "changed" | "gone";

/** Ops per multi (well below the server's request size for paths of any length). */
const BATCH_OPS = 200;

/** The paths of a node's subtree, deepest first (the order a multi deletes them in); null if it is gone. */
async function subtree(client: ZooKeeperClient, path: string): Promise<string[] | null> {
  const children = await orNull(client.getChildren(path));
  if (children === null) return null;
  const out: string[] = [];
  for (const c of children) out.push(...((await subtree(client, `${path}/${c}`)) ?? []));
  out.push(path);
  return out;
}

/** Deletes each task of `removals`; their results in the same order. */
export async function deleteTasks(
  client: ZooKeeperClient,
  layout: Layout,
  removals: readonly Removal[],
): Promise<RemovalResult[]> {
  const results = new Array<RemovalResult>(removals.length);
  const planned = await mapLimit(removals, 64, async (r) => {
    const paths = await subtree(client, layout.task(r.key));
    return { r, paths };
  });
  let batch: { i: number; paths: string[] }[] = [];
  let ops = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const todo = batch;
    batch = [];
    ops = 0;
    const tx = client.transaction();
    for (const { i, paths } of todo)
      paths.forEach((p, j) => tx.delete(p, j === paths.length - 1 ? (removals[i]?.version ?? -1) : -1));
    try {
      await tx.commit();
      for (const { i } of todo) results[i] = "deleted";
    } catch (err) {
      if (!isRace(err)) throw err;
      // Someone else changed one of them: each on its own, so the others are not held back.
      await mapLimit(
        todo,
        16,
        async ({ i }) => (results[i] = await deleteOne(client, layout, removals[i] as Removal)),
      );
    }
  };
  for (const [i, { r, paths }] of planned.entries()) {
    if (paths === null) {
      results[i] = "gone";
      continue;
    }
    // A strict delete of a task that has an outcome now: it finished since it was read.
    if (r.version >= 0 && paths.includes(layout.status(r.key))) {
      results[i] = "changed";
      continue;
    }
    if (ops + paths.length > BATCH_OPS) await flush();
    batch.push({ i, paths });
    ops += paths.length;
  }
  await flush();
  return results;
}

function isRace(err: unknown): boolean {
  return err instanceof BadVersionError || err instanceof NotEmptyError || err instanceof NoNodeError;
}

/** One task, re-listed until its delete goes through or it changed (strict) or is gone. */
async function deleteOne(client: ZooKeeperClient, layout: Layout, r: Removal): Promise<RemovalResult> {
  for (;;) {
    const paths = await subtree(client, layout.task(r.key));
    if (paths === null) return "gone";
    if (r.version >= 0 && paths.includes(layout.status(r.key))) return "changed";
    const tx = client.transaction();
    paths.forEach((p, j) => tx.delete(p, j === paths.length - 1 ? r.version : -1));
    try {
      await tx.commit();
      return "deleted";
    } catch (err) {
      if (err instanceof BadVersionError) return "changed";
      if (!isRace(err)) throw err;
      // A child came or went between the listing and the multi (an outcome, progress): list again.
      if (r.version >= 0 && err instanceof NotEmptyError) return "changed";
    }
  }
}
