/**
 * Typed errors of the recipes. They extend `RecipeError` so callers can tell "the recipe refused"
 * apart from a ZooKeeperError of the underlying client (which recipes let through unchanged).
 */
export class RecipeError extends Error {
  override name = "RecipeError";
}

/** The recipe was closed (or its client was closed) while the call waited. */
export class RecipeClosedError extends RecipeError {
  override name = "RecipeClosedError";
  constructor(what: string) {
    super(`${what} is closed`);
  }
}

/** Why a term of leadership ended; the reason of a term's aborted `signal`. */
export type LeadershipLossReason = "suspended" | "lost" | "relinquished" | "closed" | "deposed";

/** The abort reason of a `LeadershipTerm.signal`: this term is over and will never come back. */
export class LeadershipLostError extends RecipeError {
  override name = "LeadershipLostError";
  constructor(
    readonly reason: LeadershipLossReason,
    readonly epoch: number,
  ) {
    super(`leadership (epoch ${epoch}) lost: ${reason}`);
  }
}

/** A leader-only operation was attempted without a current term. */
export class NotLeaderError extends RecipeError {
  override name = "NotLeaderError";
  constructor() {
    super("not the leader");
  }
}

/** `Mutex.acquire` gave up after its timeout. */
export class LockTimeoutError extends RecipeError {
  override name = "LockTimeoutError";
  constructor(
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(`lock ${path} not acquired within ${timeoutMs} ms`);
  }
}

/** Why a lock lease ended; the reason of a lease's aborted `signal`. */
export type LockEndReason = "released" | "suspended" | "lost" | "closed";

/** The abort reason of a `LockLease.signal`: we no longer hold the lock (or cannot be sure we do). */
export class LockReleasedError extends RecipeError {
  override name = "LockReleasedError";
  constructor(
    readonly reason: LockEndReason,
    readonly path: string,
  ) {
    super(`lock ${path} no longer held: ${reason}`);
  }
}
