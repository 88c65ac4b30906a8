/**
 * The chaos history: one JSON object per line, appended by each process to its own file and merged by time.
 * `t` is wall-clock ms (performance.timeOrigin + performance.now(), so sub-ms and comparable across the
 * processes of one machine); `p` names the process incarnation that wrote the line (`w2.3`, `m1.1`, `s1.1`).
 */
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";

export type Delivery = "at-least-once" | "at-most-once" | "fenced";

/** What a committed (or stored) result identifies: the execution that produced it. */
export interface ResultId {
  worker: string;
  token: number;
}

export type HistoryEvent = { t: number; p: string } & (
  | /** The submitter is about to send the task (intent; may never be acked). */
    { ev: "submit"; id: string; delivery: Delivery }
    /** The submit call returned: the task is acknowledged. */
  | { ev: "acked"; id: string; delivery: Delivery; created: boolean }
  /** The submitter's handle reported the task's outcome. */
  | { ev: "observed"; id: string; state: string; result?: ResultId | null; reason?: string }
  /** A master began a term (its claim of the epoch committed). */
  | { ev: "term"; master: string; epoch: number }
  /** A master's assignment multi committed. */
  | { ev: "assigned"; id: string; worker: string; token: number; epoch: number }
  /** A master took back an assignment of a lost worker: requeued, or (started at-most-once) failed. */
  | { ev: "reassigned"; id: string; worker: string; token: number; epoch: number; outcome: string }
  /** A handler began running an execution (for at-most-once: after the durable "started" mark). */
  | { ev: "started"; id: string; worker: string; token: number; attempt: number }
  /** A worker's result commit succeeded. */
  | { ev: "committed"; id: string; worker: string; token: number; state: string }
  /** A worker's result was refused (stale token). */
  | { ev: "rejected"; id: string; worker: string; token: number }
  /** A worker could not finish an execution (e.g. its result commit failed: connection or session lost). */
  | { ev: "worker-error"; message: string }
  /** The orchestrator injected a fault (`phase: inject`) or ended it (`heal`: SIGCONT, restart). */
  | { ev: "fault"; kind: FaultKind; target: string; phase: "inject" | "heal"; note?: string }
);

export const FAULT_KINDS = [
  "master-kill",
  "master-stop",
  "worker-kill",
  "worker-stop",
  "master-depose",
  "worker-evict",
  "worker-partition",
  "master-partition",
  "server-kill",
  "zk-leader-kill",
  "zk-follower-kill",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Appends events to one file, one write(2) per line (no fsync: a SIGKILL keeps what was written). */
export class HistoryWriter {
  private readonly fd: number;

  constructor(
    path: string,
    readonly p: string,
  ) {
    this.fd = openSync(path, "a");
  }

  write(e: DistributiveOmit<HistoryEvent, "t" | "p">): void {
    writeSync(this.fd, `${JSON.stringify({ t: now(), p: this.p, ...e })}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Reads every `*.jsonl` of `dir` and merges them by time (a torn last line of a killed process is dropped). */
export function readHistory(dir: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".jsonl"))) {
    for (const line of readFileSync(join(dir, f), "utf8").split("\n")) {
      if (line.length === 0) continue;
      try {
        events.push(JSON.parse(line) as HistoryEvent);
      } catch {
        // a torn final line
      }
    }
  }
  return events.sort((a, b) => a.t - b.t);
}

/** A small seeded PRNG (mulberry32): the same seed gives the same schedule and workload. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
