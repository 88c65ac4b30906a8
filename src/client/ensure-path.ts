/**
 * `ensurePath(client, path)`: creates a node and its missing ancestors (kazoo's `ensure_path`, Curator's
 * `creatingParentsIfNeeded`). Built on the public client API only.
 */
import { parentOf } from "../protocol/index.js";
import type { ZooKeeperClient } from "./client.js";
import { NodeExistsError, NoNodeError } from "./errors.js";
import { retry } from "./retry.js";
import type { Data } from "./types.js";

/**
 * Creates `path` (persistent, with `data`) and its missing ancestors (persistent, empty); nodes that
 * exist already are left as they are, data included. The node itself is created first, so when the
 * parent exists — the usual case — it costs one request. Idempotent, so a retriable failure (a
 * connection lost mid-way, as when the server restarts) is retried with backoff for up to twice the
 * session timeout (at least 2 s) before it is thrown.
 */
export async function ensurePath(client: ZooKeeperClient, path: string, data: Data = null): Promise<void> {
  if (path === "/") return;
  await retry(() => ensureOnce(client, path, data), {
    maxElapsedMs: Math.max(client.sessionTimeout, 1000) * 2,
  });
}

async function ensureOnce(client: ZooKeeperClient, path: string, data: Data): Promise<void> {
  try {
    await client.create(path, data);
  } catch (err) {
    if (err instanceof NodeExistsError) return;
    if (!(err instanceof NoNodeError)) throw err;
    const parent = parentOf(path);
    if (parent !== "/") await ensureOnce(client, parent, null);
    await ensureOnce(client, path, data);
  }
}
