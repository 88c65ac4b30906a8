/** Small ZooKeeper helpers the task roles share. */
import type { Logger, PersistentWatch, WatchEvent, ZooKeeperClient } from "../client/index.js";

export { ensurePath } from "../client/index.js";

/** Resolves on the first event of a one-shot watch, or on abort (then with "aborted"). */
export function watchPromise(signal?: AbortSignal): {
  watch: () => void;
  fired: Promise<"fired" | "aborted">;
} {
  let resolve!: (v: "fired" | "aborted") => void;
  const fired = new Promise<"fired" | "aborted">((r) => (resolve = r));
  const onAbort = (): void => resolve("aborted");
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted === true) resolve("aborted");
  return {
    fired: fired.finally(() => signal?.removeEventListener("abort", onAbort)),
    watch: () => resolve("fired"),
  };
}

/**
 * A persistent recursive watch on `path` whose events go to `onEvent`, in order, until it is closed
 * or the session ends. A listener that throws is logged and the watch goes on: one bad event must not
 * leave the role deaf to every later one while the watch stays on the server.
 */
export async function watchRecursive(
  client: ZooKeeperClient,
  path: string,
  onEvent: (e: WatchEvent) => void,
  logger: Logger,
): Promise<PersistentWatch> {
  const w = await client.addWatch(path, { recursive: true });
  void (async () => {
    try {
      for await (const e of w) {
        try {
          onEvent(e);
        } catch (err) {
          logger.error({ err, path, event: e }, "tasks: a watch's listener threw; the watch goes on");
        }
      }
    } catch {
      // Session lost: whoever watches ends with it.
    }
  })();
  return w;
}

/** Runs `fn` over `items` with at most `width` calls in flight (pipelining without flooding). */
export async function mapLimit<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return out;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A value's description for error messages (objects as JSON, never "[object Object]"). */
export function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "object" && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return "an object";
    }
  }
  return typeof v === "function" ? "a function" : String(v);
}
