/**
 * A worker's token-checked outcome commit that survives connection loss. A multi whose reply was lost
 * (ConnectionLoss, a timeout) may or may not have been applied, so it is never blindly sent again:
 * the task (and its status) is read back and the commit counts as landed, not landed (then the same
 * token-checked multi is sent again) or refused. It is therefore committed at most once, and a lost
 * reply never abandons the run.
 */
import { isRetriable, NodeExistsError, type Transaction } from "../../../client/index.js";
import { decodeEnvelope } from "../../envelope.js";
import {
  isStale,
  overwriteOutcome,
  staleReason,
  type CommitPlan,
  type CommitResult,
  type CommitTarget,
  type ExecutionEnv,
} from "./types.js";

/** How many unknown outcomes in a row before giving up (each waits for the reconnect first). */
const MAX_ROUNDS = 30;

/** Appends the commit's ops to `tx`: check + create(status) + delete(assignment), or setData + delete. */
export function addOps(
  tx: Transaction,
  env: ExecutionEnv,
  t: CommitTarget,
  plan: CommitPlan,
  fence = true,
): Transaction {
  const taskPath = env.layout.task(t.key);
  if (plan.kind === "retry") tx.setData(taskPath, plan.data, fence ? t.token : -1);
  else {
    if (fence) tx.check(taskPath, t.token);
    tx.create(env.layout.status(t.key), plan.status);
  }
  return tx.delete(t.assignPath);
}

function build(env: ExecutionEnv, t: CommitTarget, plan: CommitPlan, fence = true): Transaction {
  return addOps(env.client.transaction(), env, t, plan, fence);
}

/** The deliberately broken build (`unsafeDisableFencing`): no token check, a stored outcome replaced. */
export async function commitUnfenced(env: ExecutionEnv, t: CommitTarget, plan: CommitPlan): Promise<void> {
  try {
    await build(env, t, plan, false).commit();
  } catch (err) {
    if (plan.kind !== "outcome" || !(err instanceof NodeExistsError)) throw err;
    await overwriteOutcome(env, t.key, t.assignPath, plan.status);
  }
}

/** Commits `plan` under the token once, whatever the connection does; stale refusals are returned. */
export async function commitFenced(
  env: ExecutionEnv,
  t: CommitTarget,
  plan: CommitPlan,
): Promise<CommitResult> {
  for (let round = 0; ; round++) {
    try {
      await build(env, t, plan).commit();
      return { kind: "committed" };
    } catch (err) {
      if (isStale(err)) return { kind: "stale", reason: staleReason(err), cause: err };
      if (!isRetriable(err) || round >= MAX_ROUNDS) throw err;
    }
    const found = await settle(() => probe(env, t, plan));
    if (found !== "absent") return found;
  }
}

/** After a lost reply: finds out whether the commit landed, and commits it if it did not. */
export async function commitUnknown(
  env: ExecutionEnv,
  t: CommitTarget,
  plan: CommitPlan,
): Promise<CommitResult> {
  const found = await settle(() => probe(env, t, plan));
  return found === "absent" ? commitFenced(env, t, plan) : found;
}

/** Was the multi applied? "absent": certainly not (the token is still current and nothing is stored). */
async function probe(env: ExecutionEnv, t: CommitTarget, plan: CommitPlan): Promise<CommitResult | "absent"> {
  const [task, status] = await env.client.multiRead([
    { type: "getData", path: env.layout.task(t.key) },
    { type: "getData", path: env.layout.status(t.key) },
  ]);
  if (plan.kind === "outcome" && status?.type === "getData") {
    // Our bytes carry the worker and the time in ms (raw: the stored text under our token): ours or not.
    return status.data !== null && Buffer.from(plan.status).equals(status.data)
      ? { kind: "committed" }
      : { kind: "stale", reason: "exists", cause: null };
  }
  if (task?.type !== "getData") return { kind: "stale", reason: "gone", cause: null };
  if (task.stat.version === t.token) return "absent";
  if (plan.kind === "retry") {
    // Failures grow only by a commit checked against the current version, and at our token only we
    // hold that version: a count past the one we read means our retry landed.
    const now = decodeEnvelope(task.data);
    if (now !== null && now.run.failures >= plan.failures) return { kind: "committed" };
  }
  return { kind: "stale", reason: "bad-version", cause: null };
}

/**
 * Sends a token-checked multi that is safe to apply twice (marking an assignment started, handing a task
 * back) again after a lost reply. Stale refusals are thrown to the caller as before.
 */
export async function resend(tx: () => Transaction): Promise<void> {
  await settle(() =>
    tx()
      .commit()
      .then(() => undefined),
  );
}

/** Calls `fn` until it answers, pausing 25 ms → 1 s between retriable failures (a reconnect). */
async function settle<T>(fn: () => Promise<T>): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetriable(err) || round >= MAX_ROUNDS) throw err;
      await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
    }
  }
}
