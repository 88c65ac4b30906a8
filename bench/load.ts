/**
 * A closed-loop load: `inFlight` requests outstanding at all times until `count` have completed.
 * Shared by the benchmarks so every target is driven the same way.
 */
export interface PhaseResult {
  op: string;
  count: number;
  ms: number;
  opsPerSec: number;
}

export async function runPhase(
  op: string,
  count: number,
  inFlight: number,
  run: (i: number) => Promise<unknown>,
): Promise<PhaseResult> {
  let next = 0;
  const start = process.hrtime.bigint();
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await run(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { op, count, ms, opsPerSec: (count / ms) * 1000 };
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
