/** The chaos report: what ran, what was injected, what the checker found. */
import { percentile } from "./checker.js";
import type { ChaosRun } from "./run.js";

const ms = (x: number | undefined): string => (x === undefined ? "—" : `${Math.round(x)} ms`);

export function formatReport(run: ChaosRun): string {
  const { figures: f, violations, ok } = run.result;
  const o = run.options;
  const lines: string[] = [];
  lines.push(
    `chaos: backend ${o.backend}, seed ${o.seed}, duration ${Math.round(o.durationMs / 1000)} s` +
      `${o.unsafeDisableFencing === true ? ", UNSAFE worker fencing off" : ""}` +
      `${o.unsafeDisableEpochFence === true ? ", UNSAFE master epoch fence off" : ""}` +
      ` (total ${Math.round(run.elapsedMs / 1000)} s with start-up and drain); history: ${run.dir}`,
  );
  lines.push(
    `tasks: ${f.submitted} submitted, ${f.acked} acknowledged (at-least-once ${f.byDelivery["at-least-once"]}, ` +
      `at-most-once ${f.byDelivery["at-most-once"]}, fenced ${f.byDelivery.fenced}); outcomes ` +
      `${Object.entries(f.outcomes)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")}; not terminal ${f.notTerminal}; lost ${f.lost}`,
  );
  lines.push(
    `executions: ${f.executions} raw (handler starts), ${f.committed} results committed, ${f.rejected} rejected as stale; ` +
      `${f.rerunTasks} tasks ran more than once (${f.extraExecutions} extra runs); ${f.assignments} assignments in ${f.terms} master terms; ` +
      `${f.observed} outcomes observed by the submitter`,
  );
  lines.push("faults (injected · recovery p50 / p99 / max · samples · unrecovered):");
  const kinds = new Set([...Object.keys(f.faults), ...Object.keys(f.recovery)]);
  for (const k of kinds) {
    const r = f.recovery[k as keyof typeof f.recovery];
    const s = r?.samples ?? [];
    lines.push(
      `  ${k.padEnd(17)} ${String(f.faults[k as keyof typeof f.faults] ?? 0).padStart(4)} · ` +
        `${ms(percentile(s, 50))} / ${ms(percentile(s, 99))} / ${ms(s.length === 0 ? undefined : Math.max(...s))} · ` +
        `${s.length} · ${r?.unrecovered ?? 0}`,
    );
  }
  for (const s of run.skipped) lines.push(`  ${s}`);
  if (ok) lines.push("checker: PASS — no invariant violated");
  else {
    const by = new Map<string, number>();
    for (const v of violations) by.set(v.invariant, (by.get(v.invariant) ?? 0) + 1);
    lines.push(
      `checker: FAIL — ${violations.length} violations (${[...by].map(([k, n]) => `${k} ${n}`).join(", ")})`,
    );
    for (const v of violations.slice(0, 20)) lines.push(`  [${v.invariant}] ${v.id ?? ""} ${v.detail}`);
    if (violations.length > 20) lines.push(`  … ${violations.length - 20} more`);
  }
  return lines.join("\n");
}
