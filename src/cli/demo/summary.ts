/** The demo's closing summary as text. */
import type { DemoSummary } from "./types.js";

export function formatSummary(s: DemoSummary): string {
  const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const rows: [string, string][] = [
    ["completed", `${s.completed} / ${s.tasks} tasks`],
    [
      "reassigned",
      s.takenBack === null
        ? `${s.reassigned} task(s) counted as lost with a worker (run.requeues)`
        : `${s.takenBack} task(s) taken back from the killed worker and run elsewhere; ${s.reassigned} counted as lost with it (run.requeues, the poison cap)`,
    ],
    [
      "executions",
      `${s.executions} observed by handlers: ${s.duplicateExecutions} duplicate execution(s) of ${s.duplicateTasks} task(s)`,
    ],
    [
      "committed results",
      `${s.committedResults} — one per task${s.unexplained.length === 0 ? ", each from an observed execution" : `; ${s.unexplained.length} unexplained!`}`,
    ],
    ["stale rejected", `${s.staleRejected} late result(s) refused by the fencing token`],
    [
      "master failover",
      s.failoverMs === null
        ? "not measured"
        : `${s.failoverMs} ms from SIGKILL to the backup leading (session timeout ${s.sessionTimeoutMs} ms)`,
    ],
    [
      "worker loss",
      s.reassignMs === null ? "not measured" : `its tasks reassigned ${s.reassignMs} ms after SIGKILL`,
    ],
    [
      "throughput",
      `${s.throughput} tasks/s (${s.completed} tasks in ${sec(s.runMs)}, first submit to last result)`,
    ],
    ["total", sec(s.totalMs)],
  ];
  const lines = ["", "summary", ...rows.map(([k, v]) => `  ${k.padEnd(18)} ${v}`), ""];
  if (s.ok) lines.push("PASS: every task completed with exactly one committed result");
  else {
    lines.push("FAIL: not every task completed with exactly one committed result");
    if (s.notCompleted.length > 0)
      lines.push(`  not completed (first ${s.notCompleted.length}): ${s.notCompleted.join(", ")}`);
    if (s.unexplained.length > 0) lines.push(`  unexplained results: ${s.unexplained.join(", ")}`);
  }
  return lines.join("\n");
}
