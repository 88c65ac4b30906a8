/** bench/tasks.ts's figures: per shape, tasks/s and the burst's p50/p99 as medians of rounds with ranges. */
import { medianFigure, ratio, withRange, type ResultBuilder } from "../lib/emit.js";
import type { ZooKeeperClient } from "../lib/overseer.js";
import { packageVersion } from "../lib/versions.js";
import { fmt } from "../load.js";
import { masterFailover, startCluster, stopCluster, workerReassign } from "./cluster.js";
import type { RoundsSummary, Throughput } from "./measure.js";

export interface ShapeResult {
  workers: number;
  concurrency: number;
  /** Total tasks per round at this shape. */
  n: number;
  ours: RoundsSummary;
  bull: RoundsSummary;
  /** BullMQ on the appendfsync-always Redis, at --durable-shapes. */
  durable?: RoundsSummary;
  /** What each overseer worker advertised: concurrency + prefetch. */
  capacity: number;
}

/** A latency for console lines: 2 decimals under 10 ms. */
export function ms(v: number): string {
  return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : fmt(v);
}

function addRows(
  out: ResultBuilder,
  key: string,
  suffix: string,
  ours: RoundsSummary,
  anchor: RoundsSummary,
  base: { anchorName: string; params: Record<string, number | string> },
): void {
  const shape = String(base.params["shape"]);
  out.add(
    medianFigure(
      {
        ...base,
        key: `${key}.perSec`,
        label: `tasks/s, ${shape}${suffix}`,
        unit: "tasks/s",
        higherIsBetter: true,
      },
      ours.perSec,
      anchor.perSec,
    ),
  );
  for (const p of ["p50", "p99"] as const)
    out.add(
      medianFigure(
        {
          ...base,
          key: `${key}.${p}`,
          label: `submit → result ${p} inside the burst, ${shape}${suffix}`,
          unit: "ms",
          higherIsBetter: false,
        },
        ours[p],
        anchor[p],
      ),
    );
}

export function record(out: ResultBuilder, s: ShapeResult): void {
  const shape = `${s.workers}×${s.concurrency}`;
  const params = {
    workers: s.workers,
    concurrency: s.concurrency,
    shape,
    slots: s.workers * s.concurrency,
    prefetch: s.capacity - s.concurrency,
  };
  const key = `tasks.${s.workers}x${s.concurrency}`;
  addRows(out, key, "", s.ours, s.bull, {
    anchorName: `BullMQ ${packageVersion("bullmq")} on Redis`,
    params,
  });
  if (s.durable !== undefined)
    addRows(out, `${key}.durable`, ", vs BullMQ with Redis appendfsync always", s.ours, s.durable, {
      anchorName: `BullMQ ${packageVersion("bullmq")} on Redis (appendfsync always)`,
      params: { ...params, anchorPersistence: "appendfsync always" },
    });
  const cpu = (t: Throughput): string =>
    Object.entries(t.cpu ?? {})
      .map(([k, v]) => `${k} ${((v / t.n) * 1000).toFixed(0)}`)
      .join(", ");
  out.note(
    `${shape}: ${fmt(s.n)} tasks per round; each overseer worker advertised capacity ${s.capacity} ` +
      `(concurrency ${s.concurrency} + prefetch ${s.capacity - s.concurrency})`,
  );
  out.note(
    `${shape}: CPU ms per 1,000 tasks (median round): overseer ${cpu(s.ours.medianRound)}; BullMQ ${cpu(s.bull.medianRound)}` +
      (s.durable === undefined ? "" : `; BullMQ on Redis appendfsync always ${cpu(s.durable.medianRound)}`),
  );
  const line = (name: string, a: RoundsSummary): string =>
    `${shape}: overseer ${withRange(s.ours.perSec, fmt)} tasks/s vs ${name} ${withRange(a.perSec, fmt)} ` +
    `(${ratio(s.ours.perSec.median, a.perSec.median)}); p50 ${ms(s.ours.p50.median)} vs ${ms(a.p50.median)} ms; ` +
    `p99 ${ms(s.ours.p99.median)} vs ${ms(a.p99.median)} ms (medians of ${s.ours.perSec.n} rounds)`;
  console.log(line("BullMQ", s.bull));
  if (s.durable !== undefined) console.log(line("BullMQ on Redis appendfsync always", s.durable));
}

/** Master failover and worker reassignment at the --session timeout (see bench/tasks.ts). */
export async function recovery(
  out: ResultBuilder,
  cs: string,
  zk: ZooKeeperClient,
  session: number,
): Promise<void> {
  const c = await startCluster(cs, zk, "/tasks-recovery", {
    workers: 2,
    concurrency: 4,
    session,
  });
  try {
    const f = await masterFailover(c);
    const r = await workerReassign(c, zk);
    console.log(
      `recovery, session ${fmt(c.session)} ms: master failover ${fmt(f.assignMs)} ms (SIGKILL of the active master → ` +
        `the backup's first assignment), worker reassignment ${fmt(r.startedMs)} ms (SIGKILL of a worker mid-task → ` +
        `the task started on the other worker)`,
    );
    const params = { session: c.session };
    const floor = "the session timeout itself (detection floor)";
    const s = `${fmt(c.session / 1000)} s`;
    out.add({
      key: "tasks.recovery.failover",
      label: `master failover, session ${s}`,
      unit: "ms",
      value: f.assignMs,
      anchor: c.session,
      anchorName: floor,
      higherIsBetter: false,
      params,
    });
    out.add({
      key: "tasks.recovery.reassign",
      label: `dead worker's task restarted elsewhere, session ${s}`,
      unit: "ms",
      value: r.startedMs,
      anchor: c.session,
      anchorName: floor,
      higherIsBetter: false,
      params,
    });
  } finally {
    await stopCluster(c);
  }
}
