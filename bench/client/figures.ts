/** bench/client.ts's figures for the report: ops/s and CPU µs/op per op, overseer vs each other client. */
import { ResultBuilder } from "../lib/emit.js";
import { howRun } from "../lib/overseer.js";
import { apacheVersion, javaVersion, overseerVersion, packageVersion } from "../lib/versions.js";
import type { Measured, Result } from "../client.js";

export function clientResult(
  nativeProblem: string | undefined,
  nativeDir: string | undefined,
): ResultBuilder {
  const out = new ResultBuilder("client");
  Object.assign(out.versions, {
    overseer: overseerVersion(),
    "node-zookeeper-client": packageVersion("node-zookeeper-client"),
    "Apache ZooKeeper": apacheVersion(),
    java: javaVersion(),
  });
  if (nativeProblem === undefined)
    out.versions["zookeeper (native)"] = packageVersion("zookeeper", nativeDir ?? undefined);
  else out.note(`zookeeper (native) not measured: ${nativeProblem}`);
  out.note(
    "every client drives the same Apache ZooKeeper with the same closed loop (128 in flight, 100-byte data); the median round per op, min–max beside it",
  );
  out.note(
    "CPU µs/op is the client process's own CPU (process.cpuUsage around the phase): the fairer measure of a client when the server is the bottleneck",
  );
  out.note(howRun("node-zookeeper-client", ...(nativeProblem === undefined ? ["zookeeper (native)"] : [])));
  return out;
}

/** Figures for one anchor server (forceSync yes|no): every other client is an anchor for overseer. */
export function clientFigures(out: ResultBuilder, forceSync: string, results: readonly Result[]): void {
  const ours = results.find((r) => r.name === "overseer");
  if (ours === undefined) return;
  for (const other of results) {
    if (other === ours) continue;
    const tag = other.name === "node-zookeeper-client" ? "nzk" : "native";
    for (const [i, r] of ours.phases.entries()) {
      const a = other.phases[i];
      if (a === undefined) continue;
      const params = { op: r.op, forceSync, client: other.name };
      const anchorName = `${other.name} (Apache forceSync=${forceSync})`;
      out.add({
        key: `client.${tag}.sync-${forceSync}.${r.op}.ops`,
        label: `${r.op} ops/s, forceSync=${forceSync}`,
        unit: "ops/s",
        value: r.opsPerSec,
        anchor: a.opsPerSec,
        anchorName,
        higherIsBetter: true,
        params,
        ...spread(r.range, a.range, r.samples),
      });
      out.add({
        key: `client.${tag}.sync-${forceSync}.${r.op}.cpu`,
        label: `${r.op} client CPU µs/op, forceSync=${forceSync}`,
        unit: "µs/op",
        value: r.cpuUsPerOp,
        anchor: a.cpuUsPerOp,
        anchorName,
        higherIsBetter: false,
        params,
        ...spread(r.cpuRange, a.cpuRange, r.samples),
      });
    }
  }
}

/** The median round per op (by ops/s), carrying the min–max of ops/s and CPU µs/op over the rounds. */
export function medianOf(rounds: readonly Measured[][]): Measured[] {
  const first = rounds[0] ?? [];
  return first.map((_, i) => {
    const all = rounds.map((r) => r[i]).filter((m): m is Measured => m !== undefined);
    const byOps = [...all].sort((x, y) => x.opsPerSec - y.opsPerSec);
    const cpu = all.map((m) => m.cpuUsPerOp);
    const mid = byOps[Math.floor(byOps.length / 2)] as Measured;
    return {
      ...mid,
      range: [byOps[0]?.opsPerSec ?? NaN, byOps.at(-1)?.opsPerSec ?? NaN],
      cpuRange: [Math.min(...cpu), Math.max(...cpu)],
      samples: all.length,
    };
  });
}

function spread(
  range: [number, number] | undefined,
  anchorRange: [number, number] | undefined,
  samples: number | undefined,
): { range?: [number, number]; anchorRange?: [number, number]; samples?: number } {
  return {
    ...(range === undefined ? {} : { range }),
    ...(anchorRange === undefined ? {} : { anchorRange }),
    ...(samples === undefined ? {} : { samples }),
  };
}
