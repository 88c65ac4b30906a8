/** The demo's failover: which master leads (the one to kill), and the takeover timer. */
import type { ZooKeeperClient } from "../../client/index.js";
import { readMaster, type Layout } from "../../tasks/index.js";
import type { Child } from "./children.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The master whose latest leader/follower line says it leads. */
export function leadingMaster(masters: readonly Child[]): { child: Child; epoch: number | null } | null {
  for (const m of masters) {
    if (!m.alive) continue;
    const last = [...m.lines].reverse().find((l) => l["event"] === "leader" || l["event"] === "follower");
    if (last?.["event"] === "leader")
      return { child: m, epoch: typeof last["epoch"] === "number" ? last["epoch"] : null };
  }
  return null;
}

/**
 * Times a takeover after the kill at `t0`: until a master with an epoch above `oldEpoch` is registered,
 * then until some master reports it recovered the killed worker's tasks.
 */
export async function timeFailover(
  client: ZooKeeperClient,
  layout: Layout,
  masters: Child[],
  t0: number,
  oldEpoch: number | null,
  worker: string | null,
  report: (r: { failoverMs?: number; reassignMs?: number; takenBack?: number }, text: string) => void,
): Promise<void> {
  for (;;) {
    const m = await readMaster(client, layout).catch(() => null);
    if (m !== null && m.epoch !== null && (oldEpoch === null || m.epoch > oldEpoch)) {
      const failoverMs = Date.now() - t0;
      report(
        { failoverMs },
        `backup ${m.id} took over in ${failoverMs} ms (epoch ${m.epoch}), rebuilt from ZooKeeper alone`,
      );
      break;
    }
    if (Date.now() - t0 > 60_000) return;
    await sleep(20);
  }
  if (worker === null) return;
  const line = await Promise.any(
    masters.map((m) =>
      m.waitFor((l) => l["event"] === "recovered" && l["worker"] === worker, "recovery", 30_000),
    ),
  ).catch(() => null);
  if (line !== null && typeof line["at"] === "number") {
    const reassignMs = line["at"] - t0;
    report(
      typeof line["count"] === "number" ? { reassignMs, takenBack: line["count"] } : { reassignMs },
      `${String(line["count"])} task(s) of ${worker} taken back and reassigned ${reassignMs} ms after the kill`,
    );
  }
}
