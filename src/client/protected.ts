/**
 * Protected creates (Curator's `withProtection`): the node's name gets a client-chosen prefix
 * `_c_<uuid>-`, so when a create fails with an unknown outcome (connection loss, timeout) the retry
 * first lists the parent and, if a child carries our prefix, returns it instead of creating a
 * second node. Without this a retried sequential create can leave an orphan (e.g. a stray lock
 * or election node that nobody owns from the application's point of view).
 */
import { randomUUID } from "node:crypto";
import { NoNodeError } from "./errors.js";
import type { Logger } from "./options.js";
import { isRetriable, retry, type RetryOptions } from "./retry.js";

export const PROTECTED_PREFIX = "_c_";

export interface ProtectedOps {
  create(path: string): Promise<string>;
  getChildren(path: string): Promise<string[]>;
  delete(path: string): Promise<void>;
  /**
   * The background cleanup's requests. They must not inherit the caller's deadline: once it has
   * passed, every request would time out at once and the cleanup would never see a reply.
   */
  cleanup: CleanupOps;
  logger: Logger;
}

export interface CleanupOps {
  getChildren(path: string): Promise<string[]>;
  delete(path: string): Promise<void>;
  /** Calls `listener` when the client closes or loses its session; returns an unsubscribe. */
  onEnd?(listener: () => void): () => void;
}

/** Pauses of the background cleanup between retriable failures: doubling from 50 ms up to 5 s. */
export const CLEANUP_FIRST_PAUSE_MS = 50;
export const CLEANUP_MAX_PAUSE_MS = 5_000;

/** Splits `path` and inserts the protection prefix before its last segment. */
export function protectedPath(path: string, id: string): { parent: string; prefix: string; path: string } {
  const slash = path.lastIndexOf("/");
  const parent = slash <= 0 ? "/" : path.slice(0, slash);
  const prefix = `${PROTECTED_PREFIX}${id}-`;
  return { parent, prefix, path: `${join(parent, prefix)}${path.slice(slash + 1)}` };
}

function join(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

async function findOurs(
  ops: Pick<ProtectedOps, "getChildren">,
  parent: string,
  prefix: string,
): Promise<string | undefined> {
  const mine = (await ops.getChildren(parent)).find((c) => c.startsWith(prefix));
  return mine === undefined ? undefined : join(parent, mine);
}

/**
 * Creates `path` protected; retries retriable failures per `retryOpts`, never leaving a duplicate.
 * If it gives up while a create's outcome is unknown, the node may exist with nobody knowing its
 * name, so a background task finds and deletes it (Curator's findAndDeleteProtectedNodeInBackground).
 */
export async function createProtected(
  ops: ProtectedOps,
  path: string,
  retryOpts: RetryOptions,
): Promise<string> {
  const target = protectedPath(path, randomUUID());
  let outcomeUnknown = false;
  try {
    return await retry(async () => {
      if (outcomeUnknown) {
        const mine = await findOurs(ops, target.parent, target.prefix);
        if (mine !== undefined) return mine;
      }
      try {
        return await ops.create(target.path);
      } catch (err) {
        // The request may have been applied even though no reply came back.
        if (isRetriable(err)) outcomeUnknown = true;
        throw err;
      }
    }, retryOpts);
  } catch (err) {
    if (outcomeUnknown) void deleteInBackground(ops.cleanup, ops.logger, target.parent, target.prefix);
    throw err;
  }
}

/**
 * Deletes our node once it can be found. Requests made while the connection is down wait for the
 * reconnect; a retriable failure (a timeout, a lost connection) is retried after a pause that doubles
 * up to CLEANUP_MAX_PAUSE_MS, so a slow server never sees a storm of cleanup requests. It ends when
 * the node or its parent is gone, or with the session (ephemerals then go with it; a persistent
 * orphan is logged).
 */
export async function deleteInBackground(
  ops: CleanupOps,
  logger: Logger,
  parent: string,
  prefix: string,
): Promise<void> {
  for (let pauseMs = CLEANUP_FIRST_PAUSE_MS; ; pauseMs = Math.min(pauseMs * 2, CLEANUP_MAX_PAUSE_MS)) {
    try {
      const mine = await findOurs(ops, parent, prefix);
      if (mine === undefined) return;
      await ops.delete(mine);
      logger.info({ path: mine }, "zookeeper: deleted the node of a protected create that gave up");
      return;
    } catch (err) {
      if (err instanceof NoNodeError) return;
      if (!isRetriable(err)) {
        logger.warn(
          { err, parent, prefix },
          "zookeeper: could not delete the node a protected create may have left",
        );
        return;
      }
    }
    await pause(pauseMs, ops);
  }
}

/** Waits `ms`, or less if the client ends meanwhile (its next request then fails for good). */
function pause(ms: number, ops: CleanupOps): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe?.();
      resolve();
    };
    const timer = setTimeout(done, ms);
    // onEnd calls back only on a later state change, never during this call.
    const unsubscribe = ops.onEnd?.(done);
  });
}
