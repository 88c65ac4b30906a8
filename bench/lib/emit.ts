/** Builds a BenchResult around a benchmark's figures and writes it when `--json <file>` was given. */
import { machineInfo, writeResult, type BenchResult, type Figure } from "./results.js";
import type { Filesystem, LoadCheck } from "./machine.js";
import { commandLine } from "./versions.js";

export class ResultBuilder {
  readonly figures: Figure[] = [];
  readonly notes: string[] = [];
  readonly versions: Record<string, string> = {};
  /** Set by recordMachine (bench/lib/machine.ts). */
  load?: LoadCheck;
  readonly filesystems: Filesystem[] = [];
  /** The process's start: a benchmark builds its result at the end, its duration is the whole run. */
  private readonly started = new Date(performance.timeOrigin);

  constructor(private readonly name: string) {}

  add(f: Figure): void {
    this.figures.push(f);
  }

  note(text: string): void {
    this.notes.push(text);
    console.log(`note: ${text}`);
  }

  build(): BenchResult {
    return {
      name: this.name,
      command: commandLine(),
      startedAt: this.started.toISOString(),
      durationMs: Date.now() - this.started.getTime(),
      machine: machineInfo(),
      versions: this.versions,
      ...(this.load === undefined ? {} : { load: this.load }),
      ...(this.filesystems.length === 0 ? {} : { filesystems: this.filesystems }),
      figures: this.figures,
      notes: this.notes,
    };
  }

  /** Writes the result to `file` if given (the benchmark's --json option). */
  write(file: string | undefined): void {
    if (file === undefined) return;
    writeResult(file, this.build());
    console.log(`wrote ${file}`);
  }
}

export function ratio(a: number, b: number | undefined): string {
  return b === undefined || !Number.isFinite(a / b) ? "" : `${(a / b).toFixed(2)}×`;
}

/** A median over rounds with its min–max and sample count (bench/tasks/measure.ts spread()). */
export interface MedianRange {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** A figure whose value (and anchor) are medians of rounds, carrying their ranges and sample count. */
export function medianFigure(
  f: Omit<Figure, "value" | "anchor" | "range" | "anchorRange" | "samples">,
  ours: MedianRange,
  anchor?: MedianRange,
): Figure {
  // One round has no range to show.
  const ranged = (s: MedianRange): boolean => s.n > 1;
  return {
    ...f,
    value: ours.median,
    ...(ranged(ours) ? { range: [ours.min, ours.max] } : {}),
    samples: Math.min(ours.n, anchor?.n ?? ours.n),
    ...(anchor === undefined ? {} : { anchor: anchor.median }),
    ...(anchor !== undefined && ranged(anchor) ? { anchorRange: [anchor.min, anchor.max] } : {}),
  };
}

/** "1,234 [1,100–1,300]": a median with its range, for console lines and notes. */
export function withRange(s: MedianRange, fmt: (v: number) => string): string {
  return `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`;
}
