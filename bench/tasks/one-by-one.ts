/**
 * Drivers that submit tasks one at a time (bench/latency.ts, bench/paced.ts): `sequential` keeps exactly
 * one task in flight (its latency is the system's, with no queue in front of it); `paced` offers a steady
 * rate, as independent producers would, and times every task from the moment it was DUE, not the moment
 * the driver got round to sending it, so a late timer or a slow submit counts against the system instead
 * of hiding a queue (no coordinated omission).
 */
import { percentile } from "./measure.js";

/** Submits one task; resolves, once it is accepted, with a promise of its result being seen. */
export type OneSubmitter = () => Promise<{ done: Promise<unknown> }>;

export interface Latencies {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

function stats(latencies: number[]): Latencies {
  latencies.sort((a, b) => a - b);
  return {
    n: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
  };
}

/** `n` tasks, each submitted once the previous one's result was seen: submit → result per task. */
export async function sequential(n: number, one: OneSubmitter): Promise<Latencies> {
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await (
      await one()
    ).done;
    latencies.push(performance.now() - t0);
  }
  return stats(latencies);
}

export interface Paced extends Latencies {
  /** Offered tasks/s. */
  rate: number;
  /**
   * Tasks/s completed, between the first result seen and the last: `rate` when the system keeps up (a
   * steady latency shifts both ends alike), below it when a backlog builds.
   */
  achieved: number;
  /** The longest a submit call started after its due time (ms): the driver's own lag. */
  sendLagMs: number;
}

/**
 * `rate` tasks/s for `ms` milliseconds: on each timer tick every task now due is submitted (its own
 * call, not awaited by the next); latency = result seen − the task's due time.
 */
export async function paced(rate: number, ms: number, one: OneSubmitter): Promise<Paced> {
  const n = Math.max(1, Math.round((rate * ms) / 1000));
  const gap = 1000 / rate;
  const latencies: number[] = [];
  const waits: Promise<void>[] = [];
  let sendLagMs = 0;
  let firstSeen = Infinity;
  let lastSeen = 0;
  const start = performance.now();
  for (let sent = 0; sent < n;) {
    const now = performance.now();
    for (; sent < n && start + sent * gap <= now; sent++) {
      const due = start + sent * gap;
      sendLagMs = Math.max(sendLagMs, now - due);
      waits.push(
        one()
          .then((s) => s.done)
          .then(() => {
            lastSeen = performance.now();
            firstSeen = Math.min(firstSeen, lastSeen);
            latencies.push(lastSeen - due);
          }),
      );
    }
    if (sent < n) {
      const next = start + sent * gap - performance.now();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next)));
    }
  }
  await Promise.all(waits);
  const achieved = n > 1 ? ((n - 1) / (lastSeen - firstSeen)) * 1000 : NaN;
  return { ...stats(latencies), rate, achieved, sendLagMs };
}
