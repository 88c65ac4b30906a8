/**
 * After a reconnect: what changed while the follower's connection was down. Notifications sent then are
 * lost, so the follower lists the tasks and reads each one's node and status, and turns into facts (all
 * marked replayed) every task created, changed or finished after `since` — the highest zxid it had seen
 * when the connection broke — plus the tasks it knew that are gone. A final state the follower had not
 * reported is reported whatever its zxid. Cost: two reads per task in the cluster, once per reconnect.
 */
import type { ZooKeeperClient } from "../../client/index.js";
import { BUCKET_PREFIX, RAW_PREFIX, TASK_PREFIX, type Layout } from "../layout.js";
import { mapLimit } from "../zk.js";
import type { Fact } from "./event-facts.js";
import { knownFrom, type KnownTask } from "./event-types.js";

const CHUNK = 100;

export async function resyncFacts(
  client: ZooKeeperClient,
  layout: Layout,
  known: ReadonlyMap<string, KnownTask>,
  since: bigint,
  dirty: Set<string>,
  only: readonly string[] | null,
): Promise<Fact[]> {
  const keys = only ?? (await listKeys(client, layout));
  const facts: Fact[] = [];
  const present = new Set(keys);
  if (only === null)
    for (const key of known.keys()) if (!present.has(key)) facts.push({ kind: "gone", key, replayed: true });
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    const results = await client.multiRead(
      chunk.flatMap((key) => [
        { type: "getData" as const, path: layout.task(key) },
        { type: "getData" as const, path: layout.status(key) },
      ]),
    );
    chunk.forEach((key, j) => {
      const t = results[2 * j];
      const s = results[2 * j + 1];
      if (t?.type !== "getData") return;
      const k = known.get(key);
      const missed = dirty.has(key);
      if (k === undefined ? t.stat.czxid > since || missed : t.stat.mzxid > since)
        facts.push({
          kind: "task",
          key,
          created: k === undefined,
          data: t.data,
          stat: t.stat,
          replayed: true,
        });
      if (s?.type !== "getData") return;
      if (k === undefined ? s.stat.czxid > since || missed : !k.final) {
        const type = k?.type ?? knownFrom(key, t.data).type;
        facts.push({ kind: "status", key, type, data: s.data, stat: s.stat, replayed: true });
      }
    });
  }
  for (const key of keys) dirty.delete(key);
  return facts;
}

async function listKeys(client: ZooKeeperClient, layout: Layout): Promise<string[]> {
  const top = await client.getChildren(layout.tasks);
  const raw = top.filter((n) => n.startsWith(RAW_PREFIX));
  const buckets = top.filter((n) => n.startsWith(BUCKET_PREFIX));
  const lists = await mapLimit(buckets, 16, async (b) =>
    (await client.getChildren(layout.bucket(b)))
      .filter((c) => c.startsWith(TASK_PREFIX))
      .map((c) => `${b}/${c}`),
  );
  return [...raw, ...lists.flat()];
}
