/** The demo's flags and its summary, shared by the run, the summary printer and the command. */
import type { Verdict } from "./verify.js";

export interface DemoFlags {
  tasks: number;
  masters: number;
  workers: number;
  concurrency: number;
  workMs: number;
  killAt: number;
  kill: boolean;
  sessionTimeout: number;
  timeout: number;
  port: number;
  keep?: boolean;
  json?: boolean;
}

export interface DemoSummary extends Omit<Verdict, "notCompleted" | "unexplained"> {
  ok: boolean;
  notCompleted: string[];
  unexplained: string[];
  masters: number;
  workers: number;
  killed: { master: string | null; worker: string | null; atCompleted: number } | null;
  failoverMs: number | null;
  reassignMs: number | null;
  /** Assignments of the killed worker the master took back (its "recovered" log line); null if not seen. */
  takenBack: number | null;
  staleRejected: number;
  sessionTimeoutMs: number;
  runMs: number;
  throughput: number;
  totalMs: number;
}
