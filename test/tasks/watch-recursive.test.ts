/** The task roles' persistent recursive watch (tasks/zk.ts watchRecursive). */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Logger } from "../../src/client/index.js";
import { watchRecursive } from "../../src/tasks/zk.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { client } from "../harness/clients.js";

forEachBackend("tasks: watchRecursive", (backend) => {
  test("a listener that throws is logged and keeps getting the events after it, in order", async () => {
    const errors: string[] = [];
    const noop = (): void => undefined;
    const logger: Logger = {
      debug: noop,
      info: noop,
      warn: noop,
      error: (_o: unknown, m?: string) => void errors.push(m ?? ""),
    };
    const c = await client(backend(), { logger });
    const root = uniqueRoot("watch-recursive");
    await c.create(root);
    const seen: string[] = [];
    const w = await watchRecursive(c, root, (e) => {
      seen.push(`${e.type} ${e.path}`);
      if (seen.length === 1) throw new Error("a role's bug");
    });
    await c.create(`${root}/a`);
    await c.create(`${root}/b`);
    await c.delete(`${root}/a`);
    // (Before, a `for await` loop fed the listener: its first throw ended the loop and every later event
    // piled up unread in the watch.)
    assert.deepEqual(seen, [`NodeCreated ${root}/a`, `NodeCreated ${root}/b`, `NodeDeleted ${root}/a`]);
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? "", /listener threw/);
    await w.close();
  });
});
