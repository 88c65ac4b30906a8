/**
 * The cache-consistency workload shared by test/recipes/tree-cache.test.ts (a few thousand changes)
 * and test/long/ (10,000): random creates, data changes and deletes under a root, with the cache's
 * connection cut (through a proxy) a few times while it runs; afterwards the cache must equal the tree.
 */
import assert from "node:assert/strict";
import { NodeExistsError, NoNodeError, NotEmptyError, type ZooKeeperClient } from "../../src/client/index.js";
import { TreeCache } from "../../src/recipes/index.js";
import { loadTree } from "../../src/recipes/load-tree.js";
import type { Backend } from "../harness/backends.js";
import { startPausableProxy } from "../client/pausable-proxy.js";
import { client, eventually } from "./helpers.js";

const NAMES = ["a", "b", "c", "d", "e", "f"];

function randomPath(root: string): string {
  const depth = 1 + Math.floor(Math.random() * 3);
  let p = root;
  for (let i = 0; i < depth; i++) p += `/${NAMES[Math.floor(Math.random() * NAMES.length)]}`;
  return p;
}

async function randomChange(c: ZooKeeperClient, root: string, n: number): Promise<void> {
  const path = randomPath(root);
  const r = Math.random();
  try {
    if (r < 0.45) await c.create(path, `v${n}`);
    else if (r < 0.8) await c.setData(path, `v${n}`);
    else await c.delete(path);
  } catch (err) {
    // The random path may be missing, present, or have children: all fine for a workload.
    if (!(err instanceof NoNodeError || err instanceof NodeExistsError || err instanceof NotEmptyError))
      throw err;
  }
}

function snapshot(entries: Iterable<[string, { data: Buffer | null; stat: { mzxid: bigint } }]>): string[] {
  return [...entries].map(([p, n]) => `${p}=${String(n.data)}@${n.stat.mzxid}`).sort();
}

/** Runs `changes` random changes with `cuts` forced reconnects; resolves with timing figures. */
export async function cacheChurn(
  backend: Backend,
  root: string,
  changes: number,
  cuts: number,
): Promise<string> {
  const writer = await client(backend);
  await writer.create(root, "root");
  const proxy = await startPausableProxy(backend.host, backend.port);
  try {
    const reader = await client(backend, { connectString: proxy.connectString });
    const cache = new TreeCache(reader, { path: root });
    let events = 0;
    cache.on("change", () => events++);
    await cache.start();
    const t0 = performance.now();
    const cutEvery = Math.floor(changes / (cuts + 1));
    for (let n = 0; n < changes; n += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, i) => randomChange(writer, root, n + i)));
      if (cuts > 0 && n > 0 && n % cutEvery < 25) proxy.cut(); // the cache misses events while reconnecting
    }
    const expected = snapshot(await loadTree(writer, root));
    await eventually(() => cache.idle && reader.isConnected, 15_000, "the cache to drain");
    await eventually(
      () => snapshot(cache.entries()).join("\n") === expected.join("\n"),
      15_000,
      "cache = tree",
    );
    assert.deepEqual(snapshot(cache.entries()), expected);
    await cache.close();
    return `${changes} changes, ${cuts} reconnects (${proxy.accepted - 1} seen), ${events} events, tree of ${expected.length} nodes, ${(performance.now() - t0).toFixed(0)} ms`;
  } finally {
    await proxy.close();
  }
}
