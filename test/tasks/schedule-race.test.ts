/**
 * Two firers racing on one schedule with the epoch fence switched off (as two masters would if fencing
 * failed): the task name `<id>@<slot>` still makes each slot fire once, and the progress counts it once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { LeaderElection } from "../../src/recipes/index.js";
import { Layout, Schedules } from "../../src/tasks/index.js";
import { ClusterState } from "../../src/tasks/master/state.js";
import { ScheduleFirer } from "../../src/tasks/master/schedules.js";
import type { WriteContext } from "../../src/tasks/master/writes.js";
import { SILENT } from "../../src/tasks/logger.js";
import { client } from "./helpers.js";
import { assertContiguous, firedSlots, waitProgress } from "./schedule-helpers.js";

forEachBackend("tasks: schedules, two unfenced firers racing", (backend) => {
  test("each 100 ms slot has one task although two firers fire it", async () => {
    const root = uniqueRoot("s-race");
    const zk = await client(backend());
    await zk.create(root, null);
    const layout = new Layout(root);
    for (const p of [layout.tasks, layout.schedules]) await zk.create(p, null);
    await new Schedules(zk, { root }).upsert("race", { every: "100ms", missed: "all" }, { type: "t" });
    const fenced: Error[] = [];
    let collisions = 0;
    const logger = {
      ...SILENT,
      debug: (_o: unknown, msg?: string) => void (msg?.includes("fired already") === true && collisions++),
    };
    const firers = await Promise.all(
      ["a", "b"].map(async (id) => {
        const c = await client(backend());
        const ctx: WriteContext = {
          client: c,
          layout,
          election: new LeaderElection(c, { path: `${root}/election`, id }),
          term: { epoch: 1, candidatePath: `${root}/none`, signal: new AbortController().signal },
          state: new ClusterState(),
          refresh: new Set(),
          fresh: new Map(),
          hooks: { assigned: () => undefined, reassigned: () => undefined, recovered: () => undefined },
          unsafe: true,
        };
        const f = new ScheduleFirer(ctx, { now: Date.now, logger, onFenced: (e) => fenced.push(e) });
        await f.start();
        return f;
      }),
    );
    const p = await waitProgress(zk, root, "race", (x) => x.fired >= 20, "20 firings");
    await Promise.all(firers.map((f) => f.stop()));
    const slots = await firedSlots(zk, root, "race");
    assertContiguous(slots, 100);
    const final = await waitProgress(zk, root, "race", () => true, "the final progress");
    assert.equal(final.fired, slots.length, "each slot counted once");
    assert.ok(p.fired >= 20);
    assert.deepEqual(fenced, []);
    assert.ok(collisions > 0, "the firers did race (a create found its slot's task)");
    console.log(
      `[${backend().name}] two firers: ${slots.length} slots, ${collisions} creates found their task there`,
    );
  });
});
