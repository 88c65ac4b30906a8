import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ConnectionLossError,
  InvalidArgumentError,
  NodeExistsError,
  OperationTimeoutError,
} from "../../src/client/index.js";
import { isRetriable, retry } from "../../src/client/retry.js";

test("retries retriable errors until the call succeeds", async () => {
  let calls = 0;
  const result = await retry(
    async (attempt) => {
      calls++;
      assert.equal(attempt, calls);
      if (calls < 3) throw calls === 1 ? new ConnectionLossError() : new OperationTimeoutError();
      return "ok";
    },
    { initialDelayMs: 1 },
  );
  assert.equal(result, "ok");
  assert.equal(calls, 3);
});

test("a non-retriable error is thrown at once", async () => {
  let calls = 0;
  await assert.rejects(
    retry(async () => {
      calls++;
      throw new NodeExistsError({ path: "/x" });
    }),
    NodeExistsError,
  );
  assert.equal(calls, 1);
  await assert.rejects(
    retry(async () => {
      throw new Error("plain");
    }),
    /plain/,
  );
});

test("bounded by time: gives up with the last error once the next attempt would start after maxElapsedMs", async () => {
  let calls = 0;
  const start = performance.now();
  await assert.rejects(
    retry(
      async () => {
        calls++;
        throw new ConnectionLossError();
      },
      { maxElapsedMs: 60, initialDelayMs: 5, maxDelayMs: 10 },
    ),
    ConnectionLossError,
  );
  const elapsed = performance.now() - start;
  assert.ok(calls > 1, `expected several attempts, got ${calls}`);
  // Stops near maxElapsedMs (60), not after retrying on (the bound leaves room for late timers on a busy machine).
  assert.ok(elapsed < 60 + 500, `took ${elapsed} ms`);
});

test("full jitter: pause drawn from [0, min(maxDelay, initial × 2^(n-1)))", async () => {
  const delays: number[] = [];
  let calls = 0;
  await retry(
    async () => {
      if (++calls <= 6) throw new ConnectionLossError();
    },
    {
      initialDelayMs: 1,
      maxDelayMs: 8,
      random: () => 0.5,
      onRetry: (_err, _attempt, d) => delays.push(d),
    },
  );
  assert.deepEqual(delays, [0.5, 1, 2, 4, 4, 4]);
  const zero: number[] = [];
  calls = 0;
  await retry(
    async () => {
      if (++calls <= 3) throw new ConnectionLossError();
    },
    { random: () => 0, onRetry: (_e, _a, d) => zero.push(d) },
  );
  assert.deepEqual(zero, [0, 0, 0]);
});

test("an abort ends the pending pause with the signal's reason", async () => {
  const ac = new AbortController();
  const p = retry(
    async () => {
      throw new ConnectionLossError();
    },
    {
      initialDelayMs: 60_000,
      maxDelayMs: 60_000,
      maxElapsedMs: 120_000,
      random: () => 0.99,
      signal: ac.signal,
      onRetry: () => queueMicrotask(() => ac.abort(new Error("stopped"))),
    },
  );
  await assert.rejects(p, /stopped/);
  await assert.rejects(
    retry(async () => 1, { signal: AbortSignal.abort(new Error("early")) }),
    /early/,
  );
});

test("invalid options are rejected precisely; isRetriable reads the flag", async () => {
  await assert.rejects(
    retry(async () => 1, { maxElapsedMs: -1 }),
    (e: unknown) => e instanceof InvalidArgumentError && e.message.includes("maxElapsedMs"),
  );
  assert.equal(isRetriable(new ConnectionLossError()), true);
  assert.equal(isRetriable(new NodeExistsError()), false);
  assert.equal(isRetriable(null), false);
  assert.equal(isRetriable({ retriable: "yes" }), false);
});
