/** TreeCache and NodeCache on both servers: initial load, ordered events, consistency across reconnects. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { TreeCache, type TreeCacheEvent } from "../../src/recipes/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { cacheChurn } from "./cache-churn.js";
import { client, eventually } from "./helpers.js";

forEachBackend("recipes: tree cache", (backend) => {
  test("initial load, then ordered events for creates, updates and deletes", async () => {
    const root = uniqueRoot("tree-cache");
    const c = await client(backend());
    await c.create(root, "r");
    await c.create(`${root}/a`, "1");
    await c.create(`${root}/a/b`, "2");
    const cache = new TreeCache(c, { path: root });
    const seen: string[] = [];
    cache.on("change", (e: TreeCacheEvent) => seen.push(`${e.type} ${e.path.slice(root.length)}`));
    await cache.start();
    assert.deepEqual(seen, ["added ", "added /a", "added /a/b"]);
    assert.deepEqual(cache.children(`${root}/a`), ["b"]);
    seen.length = 0;
    await c.setData(`${root}/a`, "1b");
    await c.create(`${root}/c`, null);
    await c.delete(`${root}/a/b`);
    await eventually(() => seen.length === 3 && cache.idle);
    assert.deepEqual(seen, ["updated /a", "added /c", "removed /a/b"]);
    assert.equal(cache.get(`${root}/a`)?.data?.toString(), "1b");
    assert.equal(cache.get(`${root}/c`)?.data, null);
    await cache.close();
    await cache.close();
  });

  test("after 3,000 random changes and 3 forced reconnects the cache equals the tree", async () => {
    const figures = await cacheChurn(backend(), uniqueRoot("tree-cache-churn"), 3000, 3);
    console.log(`[${backend().name}] tree cache: ${figures}`);
  });
});
