/** Throughput and submit → result latency of a task system, driven the same way on every side. */

export interface Throughput {
  /** CPU ms per process during the round. */
  cpu?: Record<string, number>;
  n: number;
  ms: number;
  submitMs: number;
  perSec: number;
  p50: number;
  p99: number;
}

/** Submits `size` tasks; resolves with one promise per task that settles when its result is seen. */
export type ChunkSubmitter = (size: number) => Promise<Promise<unknown>[]>;

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

/**
 * Submits `n` tasks in chunks of `chunk` (each chunk awaited before the next, as one producer would)
 * and awaits every result as soon as its chunk is in; latency is result seen − its chunk's submit start.
 */
export async function drive(n: number, chunk: number, submitChunk: ChunkSubmitter): Promise<Throughput> {
  const latencies: number[] = [];
  const waits: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i += chunk) {
    const t0 = performance.now();
    for (const r of await submitChunk(Math.min(chunk, n - i)))
      waits.push(r.then(() => void latencies.push(performance.now() - t0)));
  }
  const submitMs = performance.now() - start;
  await Promise.all(waits);
  const ms = performance.now() - start;
  latencies.sort((a, b) => a - b);
  return {
    n,
    ms,
    submitMs,
    perSec: (n / ms) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** A figure's median over rounds with its min–max: every headline is one of these. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Median (the lower middle of an even count, a value that was measured), min and max. */
export function spread(values: readonly number[]): Spread {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    median: s[Math.floor((s.length - 1) / 2)] ?? NaN,
    min: s[0] ?? NaN,
    max: s.at(-1) ?? NaN,
    n: s.length,
  };
}

/** tasks/s, p50 and p99 over a system's rounds, each its own median with range. */
export interface RoundsSummary {
  perSec: Spread;
  p50: Spread;
  p99: Spread;
  /** The median-tasks/s round (its CPU per process is reported). */
  medianRound: Throughput;
}

export function summarize(rounds: readonly Throughput[]): RoundsSummary {
  const perSec = spread(rounds.map((r) => r.perSec));
  const medianRound = rounds.find((r) => r.perSec === perSec.median) ?? rounds[0];
  if (medianRound === undefined) throw new Error("no rounds");
  return {
    perSec,
    p50: spread(rounds.map((r) => r.p50)),
    p99: spread(rounds.map((r) => r.p99)),
    medianRound,
  };
}
