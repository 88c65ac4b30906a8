/** bench/server.ts's figures for the report: ops/s per operation, embedded server vs Apache ZooKeeper. */
import { ResultBuilder } from "../lib/emit.js";
import { howRun } from "../lib/overseer.js";
import { apacheVersion, javaVersion, overseerVersion } from "../lib/versions.js";
import type { PhaseResult } from "../load.js";

export function serverFigures(
  file: string | undefined,
  load: { count: number; inFlight: number; dataSize: number },
  ours: readonly PhaseResult[],
  theirs: readonly PhaseResult[],
): void {
  const out = new ResultBuilder("server");
  Object.assign(out.versions, {
    overseer: overseerVersion(),
    "Apache ZooKeeper": apacheVersion(),
    java: javaVersion(),
  });
  out.note(
    `${load.count} of each op, ${load.inFlight} in flight, ${load.dataSize}-byte data, driven by overseer's client on both servers`,
  );
  out.note(
    "both durable: the embedded server as its own process with a data dir and forceSync; Apache ZooKeeper standalone with forceSync=yes",
  );
  out.note(howRun());
  for (const [i, r] of ours.entries()) {
    const a = theirs[i];
    out.add({
      key: `server.${r.op}.ops`,
      label: `${r.op} ops/s`,
      unit: "ops/s",
      value: r.opsPerSec,
      anchor: a?.opsPerSec,
      anchorName: "Apache ZooKeeper 3.8 (forceSync=yes)",
      higherIsBetter: true,
      params: { op: r.op },
    });
  }
  out.write(file);
}
