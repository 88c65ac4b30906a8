/**
 * Outcome commits of executions that end in the same event-loop turn go to the server as one multi
 * (up to MAX_BATCH commits): one request and one transaction instead of one each. A multi is all or
 * nothing, so each commit keeps its own guarantees: a refused op (stale token) is answered for its own
 * commit and the rest are sent again; a lost reply leaves every commit of the batch to find out on its
 * own whether it landed (`commitUnknown`), exactly as a single commit would.
 */
import { isRetriable } from "../../../client/index.js";
import { addOps, commitFenced, commitUnknown } from "./commit.js";
import {
  isStale,
  staleReason,
  type CommitPlan,
  type CommitResult,
  type CommitTarget,
  type ExecutionEnv,
} from "./types.js";

const MAX_BATCH = 64;

interface Pending {
  readonly t: CommitTarget;
  readonly plan: CommitPlan;
  resolve(r: CommitResult): void;
  reject(err: unknown): void;
}

export class CommitBatcher {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(private readonly env: ExecutionEnv) {}

  commit(t: CommitTarget, plan: CommitPlan): Promise<CommitResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ t, plan, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) void this.send(all.slice(i, i + MAX_BATCH));
  }

  private async send(batch: Pending[]): Promise<void> {
    let todo = batch;
    while (todo.length > 1) {
      const tx = this.env.client.transaction();
      const ends: number[] = [];
      for (const p of todo) ends.push(addOps(tx, this.env, p.t, p.plan).size);
      try {
        await tx.commit();
        for (const p of todo) p.resolve({ kind: "committed" });
        return;
      } catch (err) {
        const at = (err as { opIndex?: number }).opIndex;
        const bad = isStale(err) && at !== undefined ? todo[ends.findIndex((end) => at < end)] : undefined;
        if (bad !== undefined) {
          // Only this commit's token was refused; nothing of the batch was applied: send the rest again.
          bad.resolve({ kind: "stale", reason: staleReason(err), cause: err });
          todo = todo.filter((p) => p !== bad);
          continue;
        }
        for (const p of todo) {
          if (isRetriable(err)) settleInto(commitUnknown(this.env, p.t, p.plan), p);
          else p.reject(err);
        }
        return;
      }
    }
    const last = todo[0];
    if (last !== undefined) settleInto(commitFenced(this.env, last.t, last.plan), last);
  }
}

function settleInto(result: Promise<CommitResult>, p: Pending): void {
  result.then(
    (r) => p.resolve(r),
    (err: unknown) => p.reject(err),
  );
}
