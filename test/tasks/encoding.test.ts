/**
 * The fast encoders write exactly what the general ones write: a new task's envelope (encodeNewEnvelope
 * vs encodeEnvelope) and a done outcome (planOutcome vs encodeOutcome), for every kind of value; and the
 * handler context behaves as the object literal it replaced (signal and progress survive destructuring).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeEnvelope, encodeNewEnvelope, encodeOutcome, type Envelope } from "../../src/tasks/envelope.js";
import { planOutcome } from "../../src/tasks/worker/execution/plan.js";
import { DelayedCalls, StopSwitch } from "../../src/tasks/worker/execution/stop.js";
import { HandlerContext } from "../../src/tasks/worker/execution/context.js";
import {
  DEFAULT_OPTIONS_JSON,
  defaultStoredOptions,
  parseSubmitOptions,
} from "../../src/tasks/submit/options.js";

class Tagged {
  toJSON(key: string): string {
    return `tagged:${key}`;
  }
}

const PAYLOADS: unknown[] = [
  undefined,
  null,
  0,
  -0,
  1.5,
  NaN,
  Infinity,
  true,
  "",
  'text with "quotes", \\ and ünïcödé \u2028',
  [1, "two", null, { three: 3 }],
  { a: 1, nested: { b: [true, false] }, when: new Date(0) },
  new Tagged(),
  { skip: undefined, fn: () => 1 },
];

test("encodeNewEnvelope writes what encodeEnvelope writes", () => {
  const optionSets = [undefined, { priority: 5, attempts: 3, backoff: 10, labels: ["gpu"], timeout: 100 }];
  for (const options of optionSets) {
    const parsed = parseSubmitOptions(options);
    const json = options === undefined ? DEFAULT_OPTIONS_JSON : JSON.stringify(parsed.options);
    for (const payload of PAYLOADS) {
      const env: Envelope = {
        v: 1,
        type: "some.type",
        payload: payload === undefined ? null : payload,
        options: parsed.options,
        run: { failures: 0, notBefore: 17, requeues: 0 },
        submittedAt: 1234567890123,
        n: 42,
      };
      const fast = encodeNewEnvelope("some.type", payload, json, 17, 1234567890123, 42);
      assert.equal(fast, encodeEnvelope(env).toString("utf8"), `payload ${String(payload)}`);
    }
  }
});

test("payloads whose key JSON drops fall back (undefined), and cycles throw", () => {
  assert.equal(
    encodeNewEnvelope("t", () => 1, DEFAULT_OPTIONS_JSON, 0, 0, 0),
    undefined,
  );
  assert.equal(encodeNewEnvelope("t", Symbol("s"), DEFAULT_OPTIONS_JSON, 0, 0, 0), undefined);
  const cyclic: Record<string, unknown> = {};
  cyclic["self"] = cyclic;
  assert.throws(() => encodeNewEnvelope("t", cyclic, DEFAULT_OPTIONS_JSON, 0, 0, 0), TypeError);
  assert.throws(() => encodeNewEnvelope("t", { n: 1n }, DEFAULT_OPTIONS_JSON, 0, 0, 0), TypeError);
});

test("the default options' JSON is what parseSubmitOptions stores without options", () => {
  assert.equal(DEFAULT_OPTIONS_JSON, JSON.stringify(parseSubmitOptions(undefined).options));
  assert.deepEqual(defaultStoredOptions(), parseSubmitOptions({}).options);
});

test("a done outcome is encoded as encodeOutcome encodes it", () => {
  const env: Envelope = {
    v: 1,
    type: "t",
    payload: null,
    options: defaultStoredOptions(),
    run: { failures: 2, notBefore: 0, requeues: 0 },
    submittedAt: 0,
    n: 0,
  };
  for (const value of PAYLOADS) {
    const before = Date.now();
    const { plan, result } = planOutcome("b-01/t-x", { ok: true, value }, env, false, "w-1", '"w-1"');
    assert.equal(result, "done");
    assert.equal(plan.kind, "outcome");
    if (plan.kind !== "outcome") return;
    const text = Buffer.from(plan.status).toString("utf8");
    const at = (JSON.parse(text) as { at: number }).at;
    assert.ok(at >= before && at <= Date.now());
    const o = { state: "done" as const, result: value ?? null, attempt: 3, worker: "w-1", at };
    assert.equal(text, encodeOutcome(o).toString("utf8"), `value ${String(value)}`);
  }
});

test("the handler context: signal, progress and log work destructured", async () => {
  const halt = new StopSwitch();
  const seen: unknown[] = [];
  const logged: [string, number][] = [];
  const ctx = new HandlerContext("id", "t", { p: 1 }, 2, 7, "fenced", "w", halt, {
    reportProgress: (v) => (seen.push(v), Promise.resolve()),
    appendLog: (line, attempt) => void logged.push([line, attempt]),
  });
  const { signal, progress, payload, token, log } = ctx;
  log("hello");
  assert.deepEqual(logged, [["hello", 2]]);
  assert.deepEqual(payload, { p: 1 });
  assert.equal(token, 7);
  await progress(50);
  assert.deepEqual(seen, [50]);
  assert.equal(signal.aborted, false);
  halt.stop("cancelled");
  assert.equal(signal.aborted, true);
  assert.equal(ctx.signal, signal);
});

test("DelayedCalls under a steady stream: every item fires within delay … 1.25 × delay, at most 4 ticks per delay", (t) => {
  // Armed for the head alone, the timer chased the stream: one tick (a process wake-up) per item.
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  const firedAt = new Map<number, number>();
  const q = new DelayedCalls<number>(20, (n) => firedAt.set(n, Date.now()));
  const addedAt = new Map<number, number>();
  for (let i = 0; i < 400; i++) {
    addedAt.set(i, Date.now());
    q.add(i);
    t.mock.timers.tick(1);
  }
  for (let i = 0; i < 100; i++) t.mock.timers.tick(1);
  assert.equal(firedAt.size, 400);
  for (const [i, at] of firedAt) {
    const late = at - (addedAt.get(i) ?? 0);
    assert.ok(late >= 20 && late <= 25, `item ${i} fired ${late} ms after its add`);
  }
  const ticks = new Set(firedAt.values()).size;
  assert.ok(ticks <= (400 / 20) * 4 + 2, `${ticks} ticks for 400 items over 400 ms`);
});

test("DelayedCalls fires each item once, in order, after the delay", async () => {
  const fired: number[] = [];
  const q = new DelayedCalls<number>(15, (n) => fired.push(n));
  const t0 = Date.now();
  q.add(1);
  q.add(2);
  await new Promise((r) => setTimeout(r, 5));
  q.add(3);
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(fired, [1, 2, 3]);
  assert.ok(Date.now() - t0 >= 15);
  q.add(4);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(fired, [1, 2, 3, 4]);
});
