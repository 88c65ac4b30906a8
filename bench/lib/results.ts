/**
 * The one format every benchmark writes when given `--json <file>`, and that `bench/report.ts`
 * reads to build docs/BENCHMARKS.md and its plots. A benchmark measures overseer and its anchor in
 * the same run, so every figure pairs them where an anchor exists.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { cpus, totalmem, platform, release } from "node:os";
import { dirname } from "node:path";

/** One measured quantity, e.g. "create ops/s" for overseer and Apache ZooKeeper. */
export interface Figure {
  /** Stable key, e.g. "server.create.ops" or "scaling.workers.100.tasksPerSec". */
  key: string;
  /** Human label, e.g. "create (ops/s)". */
  label: string;
  unit: string;
  /** overseer's value. */
  value: number;
  /** The anchor's value measured in the same run, when there is one. */
  anchor?: number;
  /** Name of the anchor, e.g. "Apache ZooKeeper 3.8.0 (forceSync=yes)". */
  anchorName?: string;
  /** True when a larger value is better (ops/s), false for times and memory. */
  higherIsBetter: boolean;
  /** overseer's min–max over the rounds when `value` is their median. */
  range?: [number, number];
  /** The anchor's min–max over the rounds when `anchor` is their median. */
  anchorRange?: [number, number];
  /** Rounds (samples) behind `value` and `anchor`. */
  samples?: number;
  /** Free-form conditions, e.g. { workers: 4, concurrency: 32 } — used as x values of curves. */
  params?: Record<string, number | string>;
}

export interface BenchResult {
  /** "server", "client", "tasks", "failover", "memory", "scaling"… */
  name: string;
  /** The exact command that produced this result. */
  command: string;
  startedAt: string;
  durationMs: number;
  machine: { cpus: string; cores: number; memGiB: number; os: string; node: string };
  /** Versions of everything measured, e.g. { "Apache ZooKeeper": "3.8.0", bullmq: "5.x", redis: "7.0.15" }. */
  versions: Record<string, string>;
  figures: Figure[];
  /** Anything a reader must know to interpret the figures (settings, caveats). */
  notes: string[];
}

export function machineInfo(): BenchResult["machine"] {
  const c = cpus();
  return {
    cpus: c[0]?.model ?? "unknown",
    cores: c.length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
  };
}

export function writeResult(file: string, result: BenchResult): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
}
