/**
 * watchRecursive (src/tasks/zk.ts), the watch every role (master, worker, limits, schedules) follows its
 * part of the tree with: a listener that throws is logged and later events still arrive — both servers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import type { WatchEvent } from "../../src/client/index.js";
import { watchRecursive } from "../../src/tasks/zk.js";
import type { Logger } from "../../src/tasks/logger.js";
import { client } from "./helpers.js";

forEachBackend("tasks: watchRecursive", (backend) => {
  test("a listener that throws is logged and the watch goes on delivering", async () => {
    const zk = await client(backend());
    const root = uniqueRoot("watch-recursive");
    await zk.create(root, null);
    const errors: { obj: unknown; msg: string | undefined }[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (obj: unknown, msg?: string) => void errors.push({ obj, msg }),
    };
    const seen: string[] = [];
    let sawSecond!: () => void;
    const second = new Promise<void>((r) => (sawSecond = r));
    const w = await watchRecursive(
      zk,
      root,
      (e: WatchEvent) => {
        seen.push(e.path);
        if (e.path === `${root}/first`) throw new Error("listener bug");
        if (e.path === `${root}/second`) sawSecond();
      },
      logger,
    );
    await zk.create(`${root}/first`, null);
    await zk.create(`${root}/second`, null);
    const timer = setTimeout(() => sawSecond(), 10_000); // fails below, naming what was seen
    await second;
    clearTimeout(timer);
    assert.deepEqual(seen, [`${root}/first`, `${root}/second`]);
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.msg ?? "", /listener threw/);
    assert.equal((errors[0]?.obj as { path?: string }).path, root);
    await w.close();
  });
});
