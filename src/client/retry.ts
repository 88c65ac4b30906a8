/**
 * `retry(fn, opts)`: calls `fn` again after errors whose `retriable` is true (connection loss,
 * operation timeout…), with exponential backoff and full jitter (delay = random(0, min(max, initial × 2^n))),
 * until it succeeds, fails with a non-retriable error, or the next attempt would start after `maxElapsedMs`.
 */
import { InvalidArgumentError } from "./errors.js";

export const DEFAULT_RETRY_MAX_ELAPSED = 30_000;
export const DEFAULT_RETRY_INITIAL_DELAY = 50;
export const DEFAULT_RETRY_MAX_DELAY = 5_000;

export interface RetryOptions {
  /** No attempt starts later than this many ms after the first one. Default 30 000. */
  maxElapsedMs?: number;
  /** Upper bound of the first pause (ms); doubles after each failure. Default 50. */
  initialDelayMs?: number;
  /** Cap of the pause's upper bound (ms). Default 5 000. */
  maxDelayMs?: number;
  /** Aborting stops retrying: the pending pause ends and the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Which errors to retry; default: those with `retriable === true`. */
  isRetriable?: (err: unknown) => boolean;
  /** Called before each pause (e.g. to log); `attempt` is 1 for the first failure. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Source of randomness in [0, 1); injectable for tests. Default Math.random. */
  random?: () => number;
}

/** True for errors carrying `retriable: true` (every ZooKeeperError says whether it is). */
export function isRetriable(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { retriable?: unknown }).retriable === true;
}

function nonNegative(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v))
    throw new InvalidArgumentError(name, `expected a finite number ≥ 0, got ${String(v)}`);
  return v;
}

/** `fn` receives the attempt number (1-based). */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const maxElapsed = nonNegative("maxElapsedMs", opts.maxElapsedMs, DEFAULT_RETRY_MAX_ELAPSED);
  const initial = nonNegative("initialDelayMs", opts.initialDelayMs, DEFAULT_RETRY_INITIAL_DELAY);
  const maxDelay = nonNegative("maxDelayMs", opts.maxDelayMs, DEFAULT_RETRY_MAX_DELAY);
  const retriable = opts.isRetriable ?? isRetriable;
  const random = opts.random ?? Math.random;
  const signal = opts.signal;
  const start = performance.now();
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (!retriable(err) || signal?.aborted === true) throw err;
      const ceiling = Math.min(maxDelay, initial * 2 ** Math.min(attempt - 1, 52));
      const delay = random() * ceiling;
      const elapsed = performance.now() - start;
      if (elapsed + delay > maxElapsed) throw err;
      opts.onRetry?.(err, attempt, delay);
      await pause(delay, signal);
    }
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
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
