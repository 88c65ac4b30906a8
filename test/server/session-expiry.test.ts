/**
 * When a silent session expires: never before its timeout, and not a tick later either. With tickTime
 * 500 a sweep every tick on buckets of a tick (the old way) lands 0–1000 ms late, 500 on average.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { EXPIRY_RESOLUTION_MS, SessionTracker } from "../../src/server/sessions.js";
import { RawClient } from "./raw-client.js";

const TICK = 500;
/** The least timeout the server grants at this tick (2 × tickTime). */
const TIMEOUT = 2 * TICK;
/** Expiry resolution plus room for a late timer and the close reaching the client. */
const SLACK = 200;

let server: RunningServer;
const clients: RawClient[] = [];

before(async () => {
  server = await startServer({ port: 0, tickTime: TICK });
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

/** ms from just before the handshake (the session's last packet) until the server closes it. */
async function silentLifetime(delay: number): Promise<number> {
  await new Promise((r) => setTimeout(r, delay));
  const start = Date.now();
  const c = await RawClient.connect(server.port, { timeout: TIMEOUT });
  clients.push(c);
  assert.equal(c.timeOut, TIMEOUT);
  await c.closedPromise;
  return Date.now() - start;
}

describe("session expiry timing", () => {
  test("a silent session expires after its timeout and within 200 ms of it, at any phase of the tick", async () => {
    // A far bucket first: the sweep must still wake for the nearer ones made after it.
    const long = await RawClient.connect(server.port, { timeout: 20 * TICK });
    clients.push(long);
    // Three sessions started at different points of a tick: a sweep out of phase with the buckets,
    // or buckets a tick wide, would put most of them more than 200 ms late.
    const lifetimes = await Promise.all([0, 170, 340].map(silentLifetime));
    for (const ms of lifetimes) {
      assert.ok(ms >= TIMEOUT, `expired after ${ms} ms, before its ${TIMEOUT} ms timeout`);
      assert.ok(ms <= TIMEOUT + SLACK, `expired after ${ms} ms, over ${TIMEOUT + SLACK}`);
    }
    assert.equal(long.closed, false);
  });
});

describe("SessionTracker buckets", () => {
  test("deadlines round up to the resolution and emptied buckets go", () => {
    const t = new SessionTracker(TICK, 0);
    const due: number[] = [];
    t.onBucket = (at) => due.push(at);
    const s = t.create(1000, 1001);
    assert.equal(s.expireAt, 2001 - (2001 % EXPIRY_RESOLUTION_MS) + EXPIRY_RESOLUTION_MS);
    assert.equal(t.earliestDue(), s.expireAt);
    t.touch(s, 1001 + EXPIRY_RESOLUTION_MS);
    assert.deepEqual(due, [s.expireAt - EXPIRY_RESOLUTION_MS, s.expireAt]);
    assert.deepEqual(t.takeExpired(s.expireAt - 1), []);
    assert.equal(t.earliestDue(), s.expireAt);
    t.remove(s);
    assert.equal(t.earliestDue(), null);
  });

  test("a tick below the resolution is the bucket", () => {
    // tickTime 4 (below the 10 ms resolution): deadline 105 rounds up to the next multiple of 4.
    const t = new SessionTracker(4, 0);
    const s = t.create(100, 5);
    assert.equal(s.expireAt, 108);
    assert.deepEqual(t.takeExpired(107), []);
    assert.deepEqual(t.takeExpired(108), [s]);
  });
});
