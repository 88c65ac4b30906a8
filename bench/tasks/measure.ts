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

/** The round with the most tasks/s (noise from other processes only ever slows a round down). */
export function best(rounds: readonly Throughput[]): Throughput {
  const first = rounds[0];
  if (first === undefined) throw new Error("no rounds");
  return rounds.reduce((x, y) => (y.perSec > x.perSec ? y : x), first);
}

export function median(rounds: readonly Throughput[]): number {
  return [...rounds].sort((a, b) => a.perSec - b.perSec)[Math.floor(rounds.length / 2)]?.perSec ?? NaN;
}
