/**
 * Protected creates (Curator's `withProtection`): the node's name gets a client-chosen prefix
 * `_c_<uuid>-`, so when a create fails with an unknown outcome (connection loss, timeout) the retry
 * first lists the parent and, if a child carries our prefix, returns it instead of creating a
 * second node. Without this a retried sequential create can leave an orphan (e.g. a stray lock
 * or election node that nobody owns from the application's point of view).
 */
import { randomUUID } from "node:crypto";
import { isRetriable, retry, type RetryOptions } from "./retry.js";

export const PROTECTED_PREFIX = "_c_";

export interface ProtectedOps {
  create(path: string): Promise<string>;
  getChildren(path: string): Promise<string[]>;
}

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

/** Creates `path` protected; retries retriable failures per `retryOpts`, never leaving a duplicate. */
export async function createProtected(
  ops: ProtectedOps,
  path: string,
  retryOpts: RetryOptions,
): Promise<string> {
  const target = protectedPath(path, randomUUID());
  let outcomeUnknown = false;
  return retry(async () => {
    if (outcomeUnknown) {
      const mine = (await ops.getChildren(target.parent)).find((c) => c.startsWith(target.prefix));
      if (mine !== undefined) return join(target.parent, mine);
    }
    try {
      return await ops.create(target.path);
    } catch (err) {
      // The request may have been applied even though no reply came back.
      if (isRetriable(err)) outcomeUnknown = true;
      throw err;
    }
  }, retryOpts);
}
