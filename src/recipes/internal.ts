/**
 * Helpers the recipes share: sequential-node ordering, idempotent path creation (the client's ensurePath), "protected"
 * sequential creates that name the session, and abortable sleeps. Public client API only.
 */
import { randomUUID } from "node:crypto";
import {
  CreateMode,
  NoNodeError,
  isRetriable,
  retry,
  type Data,
  type Logger,
  type ZooKeeperClient,
} from "../client/index.js";

export const SILENT: Logger = Object.freeze({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});

/** The sequence number ZooKeeper appended (the 10 digits after the last '-'); -1 if none. */
export function sequenceOf(name: string): number {
  const dash = name.lastIndexOf("-");
  const n = Number(name.slice(dash + 1));
  return dash < 0 || !Number.isInteger(n) ? -1 : n;
}

/** Sequential children in creation order; names without a sequence are ignored. */
export function bySequence(names: readonly string[]): string[] {
  return names.filter((n) => sequenceOf(n) >= 0).sort((a, b) => sequenceOf(a) - sequenceOf(b));
}

export function join(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export { ensurePath } from "../client/index.js";

/** `prefix` of a node this session made, so it can be found again after a lost reply. */
export function sessionPrefix(client: ZooKeeperClient, label: string): string {
  return `${label}_${client.sessionId.toString(16)}_${randomUUID()}-`;
}

/**
 * Creates an ephemeral sequential child `<dir>/<prefix><seq>`. A create whose reply was lost may have
 * been applied, so after a retriable failure we look for our prefix before creating again: a
 * duplicate candidate or lock node would never be deleted by anyone (Curator's "protected" mode).
 */
export async function createOwnSequential(
  client: ZooKeeperClient,
  dir: string,
  prefix: string,
  data: Data,
  signal?: AbortSignal,
): Promise<string> {
  let unknown = false;
  return retry(
    async () => {
      if (unknown) {
        const mine = (await client.getChildren(dir)).find((c) => c.startsWith(prefix));
        if (mine !== undefined) return join(dir, mine);
      }
      try {
        return await client.create(join(dir, prefix), data, { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
      } catch (err) {
        if (isRetriable(err)) unknown = true;
        throw err;
      }
    },
    { maxElapsedMs: Math.max(client.sessionTimeout, 1000) * 2, ...(signal ? { signal } : {}) },
  );
}

/** Deletes `path`, treating "already gone" as success. */
export async function deleteIfExists(client: ZooKeeperClient, path: string): Promise<void> {
  try {
    await client.delete(path);
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
  }
}

/** Resolves after `ms`, or rejects with the signal's reason; leaves no timer behind either way. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function toBuffer(data: Uint8Array | string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
}

/** Resolves after `ms`, or early (without error) once `signal` aborts: for backoff in loops that stop on close. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Backoff for a recipe's retry loop: 50 ms doubling to 1 s. */
export function backoff(failures: number): number {
  return Math.min(1000, 50 * 2 ** Math.min(failures, 5));
}
