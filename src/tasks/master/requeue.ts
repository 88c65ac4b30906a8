/**
 * What the master does with a task whose worker was lost while holding it (recoverAssignments): requeue
 * it with its loss counted in the run state (`run.requeues`), or end it failed — at-most-once tasks
 * already started ("outcome unknown"), and any task lost more than its `maxRequeues` allows (the poison
 * cap: "worker lost N times"). Both writes go in the master's one fenced, version-checked multi, so the
 * count is durable exactly when the reassignment is.
 */
import {
  DEFAULT_MAX_REQUEUES,
  encodeEnvelope,
  encodeOutcome,
  workerLostReason,
  type Envelope,
} from "../envelope.js";

export type LostDecision =
  { kind: "requeue"; data: Buffer | null } | { kind: "fail"; outcome: Buffer; data: Buffer | null };

/** `data`: the task node's bytes as read; `started`: the assignment was marked started (at-most-once);
 * `charged`: the loss counts against the task (it was among what the worker was running). */
export function decideLost(
  env: Envelope | null,
  data: Buffer | null,
  worker: string,
  started: boolean,
  charged = true,
): LostDecision {
  // Raw seed tasks have no run state to count in: they are requeued as the seed does.
  if (env === null) return { kind: "requeue", data };
  const attempt = env.run.failures + 1;
  const failed = (reason: string, bytes: Buffer | null): LostDecision => ({
    kind: "fail",
    outcome: encodeOutcome({ state: "failed", reason, attempt, worker, at: Date.now() }),
    data: bytes,
  });
  if (env.options.delivery === "at-most-once" && started)
    return failed(`outcome unknown: worker ${worker} was lost while running it`, null);
  // Queued, not running: back unchanged (the rewrite still bumps the version, fencing the assignment).
  if (!charged) return { kind: "requeue", data };
  const requeues = env.run.requeues + 1;
  const counted = encodeEnvelope({ ...env, run: { ...env.run, requeues } });
  const cap = env.options.maxRequeues ?? DEFAULT_MAX_REQUEUES;
  if (requeues > cap) return failed(workerLostReason(requeues), counted);
  return { kind: "requeue", data: counted };
}
