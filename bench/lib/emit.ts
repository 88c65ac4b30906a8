/** Builds a BenchResult around a benchmark's figures and writes it when `--json <file>` was given. */
import { machineInfo, writeResult, type BenchResult, type Figure } from "./results.js";
import { commandLine } from "./versions.js";

export class ResultBuilder {
  readonly figures: Figure[] = [];
  readonly notes: string[] = [];
  readonly versions: Record<string, string> = {};
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
