/**
 * The machine's state around a benchmark: the load guard (a run refuses to start while the 1-minute load
 * average is above the core count, unless allowed, and then its results say so) and the filesystem its
 * data directories live on (type, device, mount point, mount options), recorded in the result.
 *
 * Stable API for every benchmark: checkLoad(opts), describeFilesystem(path), and recordMachine(out, load,
 * dirs) to put both into a ResultBuilder.
 *
 * Under bench/run-all.ts the check is made once, before the first benchmark, and handed to the children
 * through OVERSEER_BENCH_LOAD (JSON): each child records its own load average at start but does not refuse
 * on it (the previous benchmark's work is still in the 1-minute average), and carries run-all's verdict.
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";

export interface LoadCheck {
  /** 1, 5 and 15-minute load averages when checked. */
  load: [number, number, number];
  cores: number;
  /** The 1-minute load average was above the core count. */
  over: boolean;
  /** Ran anyway (--allow-load): its figures may be low and the report says so. */
  allowed: boolean;
  /** When the verdict came from bench/run-all.ts's check at its start: that check's load averages. */
  runAll?: [number, number, number];
}

export class LoadTooHighError extends Error {
  constructor(readonly check: LoadCheck) {
    super(
      `bench: the 1-minute load average is ${check.load[0].toFixed(2)}, above the ${check.cores} cores: ` +
        "something else is using the CPU and every figure would be low. Wait for it to finish, or pass " +
        "--allow-load to run anyway (the results are then marked as taken under load).",
    );
    this.name = "LoadTooHighError";
  }
}

/** The environment variable bench/run-all.ts hands its own check down with. */
export const LOAD_ENV = "OVERSEER_BENCH_LOAD";

const rounded = (l: number[]): [number, number, number] =>
  [l[0] ?? NaN, l[1] ?? NaN, l[2] ?? NaN].map((x) => Math.round(x * 100) / 100) as [number, number, number];

/**
 * Checks the 1-minute load average against the core count. Over it: throws LoadTooHighError unless
 * `allowLoad` (or `--allow-load` in process.argv), which returns the check marked `allowed`. Under
 * run-all (OVERSEER_BENCH_LOAD set) never throws: run-all's verdict is carried.
 */
export function checkLoad(opts: { allowLoad?: boolean } = {}): LoadCheck {
  const load = rounded(loadavg());
  const cores = cpus().length;
  const inherited = process.env[LOAD_ENV];
  if (inherited !== undefined && inherited !== "") {
    const parent = JSON.parse(inherited) as LoadCheck;
    return { load, cores, over: parent.over, allowed: parent.allowed, runAll: parent.load };
  }
  const over = load[0] > cores;
  const allowed = opts.allowLoad === true || process.argv.includes("--allow-load");
  if (over && !allowed) throw new LoadTooHighError({ load, cores, over, allowed });
  return { load, cores, over, allowed: over && allowed };
}

/** One line for the result's notes (and the console). */
export function describeLoad(c: LoadCheck): string {
  const avg = (l: number[]): string => l.map((x) => x.toFixed(2)).join(" ");
  const base = `load average at start ${avg(c.load)} (1, 5, 15 min) on ${c.cores} cores`;
  const parent = c.runAll === undefined ? "" : `; at bench/run-all.ts's start ${avg(c.runAll)}`;
  const mark = c.over
    ? "; ABOVE the core count and run anyway (--allow-load): other work shared the CPU, figures may be low"
    : "";
  return `${base}${parent}${mark}`;
}

export interface Filesystem {
  /** The directory asked about. */
  path: string;
  /** Mount point it is under. */
  mount: string;
  /** Device (or tmpfs, overlay…). */
  source: string;
  /** ext4, xfs, tmpfs, overlay… */
  type: string;
  /** Mount options as the kernel reports them (rw, relatime, barrier/nobarrier, noatime, data=…). */
  options: string;
}

/** The filesystem `path` is on, through `findmnt -T` (util-linux), else `df -T` (no options then). */
export function describeFilesystem(path: string): Filesystem {
  const fm = spawnSync("findmnt", ["-T", path, "-n", "-J", "-o", "TARGET,SOURCE,FSTYPE,OPTIONS"], {
    encoding: "utf8",
  });
  if (fm.status === 0) {
    const parsed = JSON.parse(fm.stdout) as {
      filesystems?: { target?: string; source?: string; fstype?: string; options?: string }[];
    };
    const f = parsed.filesystems?.[0];
    if (f !== undefined)
      return {
        path,
        mount: f.target ?? "?",
        source: f.source ?? "?",
        type: f.fstype ?? "?",
        options: f.options ?? "?",
      };
  }
  const df = spawnSync("df", ["-T", path], { encoding: "utf8" });
  const cols = df.status === 0 ? (df.stdout.trim().split("\n")[1]?.split(/\s+/) ?? []) : [];
  return {
    path,
    mount: cols[6] ?? "?",
    source: cols[0] ?? "?",
    type: cols[1] ?? "?",
    options: "? (findmnt unavailable)",
  };
}

export function filesystemText(f: Filesystem): string {
  return `${f.path}: ${f.type} on ${f.source}, mounted at ${f.mount} (${f.options})`;
}

/** What recordMachine needs of a ResultBuilder (bench/lib/emit.ts). */
export interface MachineRecorder {
  load?: LoadCheck;
  filesystems: Filesystem[];
  note(text: string): void;
}

/** Puts the load check and the data directories' filesystems into a result (and its notes). */
export function recordMachine(out: MachineRecorder, load: LoadCheck, dirs: readonly string[]): void {
  out.load = load;
  out.note(describeLoad(load));
  for (const d of dirs) {
    const f = describeFilesystem(d);
    out.filesystems.push(f);
    out.note(`data dir filesystem: ${filesystemText(f)}`);
  }
}
