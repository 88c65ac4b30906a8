/** Long variant: 10,000 random changes with 5 forced reconnects; the cache must equal the tree. */
import { test } from "node:test";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { cacheChurn } from "../recipes/cache-churn.js";

forEachBackend("recipes (long): tree cache", (backend) => {
  test("after 10,000 random changes and 5 forced reconnects the cache equals the tree", async () => {
    const figures = await cacheChurn(backend(), uniqueRoot("tree-cache-long"), 10_000, 5);
    console.log(`[${backend().name}] tree cache: ${figures}`);
  });
});
