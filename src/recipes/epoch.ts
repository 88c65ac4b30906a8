/**
 * The election's epoch node and the fencing built on it. Becoming leader: we are the lowest candidate,
 * the node is owned by our session, and ONE multi `check(candidate, -1)` + `setData(epoch, id,
 * seenVersion)` succeeds; the epoch is the version it returns, so every term has a distinct, strictly
 * greater epoch. A deposed leader's fenced writes (`fencedTransaction`) fail on the server even if its
 * session still lives.
 */
import { BadVersionError, NoNodeError, type Transaction, type ZooKeeperClient } from "../client/index.js";
import { NotLeaderError, RecipeError } from "./errors.js";
import type { LeadershipTerm } from "./term.js";

/** `fencedTransaction` puts this many checks before the caller's ops (offset into `results`). */
export const FENCE_OPS = 2;

/**
 * A transaction on `client` whose first FENCE_OPS ops are `check(epochPath, term.epoch)` and
 * `check(term.candidatePath)`. Throws NotLeaderError without a term, and the term's
 * LeadershipLostError if it already ended locally.
 */
export function fencedTransaction(
  client: ZooKeeperClient,
  epochPath: string,
  term: LeadershipTerm | null,
): Transaction {
  if (term === null) throw new NotLeaderError();
  if (term.signal.aborted) throw term.signal.reason as Error;
  return client.transaction().check(epochPath, term.epoch).check(term.candidatePath, -1);
}

/**
 * The claim multi for `candidate`, which saw the epoch node at version `seen`: the new epoch, or
 * "raced" (another claim bumped the epoch first) or "gone" (our candidate node no longer exists).
 */
export async function claimEpoch(
  client: ZooKeeperClient,
  candidate: string,
  epochPath: string,
  id: string,
  seen: number,
): Promise<number | "raced" | "gone"> {
  try {
    const results = await client.transaction().check(candidate, -1).setData(epochPath, id, seen).commit();
    const set = results[1];
    if (set?.type !== "setData") throw new RecipeError("unexpected multi result");
    return set.stat.version;
  } catch (err) {
    if (err instanceof BadVersionError) return "raced";
    if (err instanceof NoNodeError && err.opIndex === 0) return "gone";
    throw err;
  }
}
