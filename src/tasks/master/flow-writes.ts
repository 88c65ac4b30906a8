/**
 * The master's writes for flows, each one fenced multi (a deposed master's fail on the server) whose
 * task-level checks settle races with cancels and commits: release a parent (clear `waiting` at the
 * version its children were judged at), fail a parent (a fail-parent child failed), cancel a task (its
 * parent ended without running). A refused task-level check is not an error: the change that beat us
 * arrives as a watch event and the tracker judges again.
 */
import { BadVersionError, NodeExistsError, NoNodeError } from "../../client/index.js";
import { FENCE_OPS } from "../../recipes/index.js";
import { encodeEnvelope, encodeOutcome, type Envelope } from "../envelope.js";
import { failTask, fencedTx, type WriteContext } from "./writes.js";

/** A refusal of one of the task ops (not of the fence ops: being fenced out ends the term). */
function lostRace(err: unknown): boolean {
  if (!(err instanceof BadVersionError || err instanceof NodeExistsError || err instanceof NoNodeError))
    return false;
  return err.opIndex === undefined || err.opIndex >= FENCE_OPS;
}

/** A waiting parent to release: its envelope as read at `version`. */
export interface Release {
  key: string;
  version: number;
  env: Envelope;
}

/**
 * Clears the `waiting` flag of each parent still at the version it was read at, in one multi: they
 * become assignable. A parent whose version moved on (a cancel won) is left out and the rest sent again.
 */
export async function releaseParents(ctx: WriteContext, parents: readonly Release[]): Promise<void> {
  let todo = parents;
  while (todo.length > 0) {
    const tx = fencedTx(ctx);
    for (const { key, version, env } of todo)
      tx.setData(
        ctx.layout.task(key),
        encodeEnvelope({ ...env, flow: { ...env.flow, waiting: false } }),
        version,
      );
    try {
      await tx.commit();
      return;
    } catch (err) {
      if (!lostRace(err)) throw err;
      const index = (err as { opIndex?: number }).opIndex;
      const bad = index === undefined ? undefined : todo[index - FENCE_OPS];
      if (bad === undefined) throw err;
      todo = todo.filter((p) => p !== bad);
    }
  }
}

/** Ends a waiting parent failed (without running it), if it is still at `version`. */
export async function failParent(
  ctx: WriteContext,
  key: string,
  version: number,
  reason: string,
): Promise<boolean> {
  try {
    await failTask(ctx, key, version, reason);
    return true;
  } catch (err) {
    if (lostRace(err)) return false;
    throw err;
  }
}

/** Cancels a task as a handle's cancel() does (same data rewritten, `cancelled` status), unless finished. */
export async function cancelTask(ctx: WriteContext, key: string): Promise<boolean> {
  const { client, layout } = ctx;
  for (let round = 0; round < 10; round++) {
    const [t, s] = await client.multiRead([
      { type: "getData", path: layout.task(key) },
      { type: "getData", path: layout.status(key) },
    ]);
    if (t?.type !== "getData" || s?.type === "getData") return false;
    try {
      await fencedTx(ctx)
        .setData(layout.task(key), t.data, t.stat.version)
        .create(layout.status(key), encodeOutcome({ state: "cancelled", at: Date.now() }))
        .commit();
      return true;
    } catch (err) {
      if (!lostRace(err)) throw err;
    }
  }
  return false;
}
