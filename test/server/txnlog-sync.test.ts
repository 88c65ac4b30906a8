/** The txn log's syncs stay on the event loop from a new file's first batch (storage/txnlog.ts, grow). */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { NodeKind } from "../../src/server/node.js";
import { TxnLog } from "../../src/server/storage/txnlog.js";

test("a new log file's zero-fill is synced apart: its first batches' fdatasyncs are not taken for a slow disk", async () => {
  // Before 1c1d647 the first batch's fdatasync flushed the 16 MiB of preallocated zeros too (~12 ms on
  // this VM's ext4, then over the policy's 2 ms limit for one sync) and the next 1,000 batches went to
  // the thread pool (19 of these 20).
  const dir = mkdtempSync(join(tmpdir(), "overseer-txnlog-"));
  let durable = 0;
  let wake: () => void = () => undefined;
  const log = new TxnLog(
    {
      dir,
      forceSync: true,
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
      onDurable: (z) => ((durable = z), wake()),
      onFatal: (err) => assert.fail(String(err)),
    },
    0,
  );
  try {
    for (let zxid = 1; zxid <= 20; zxid++) {
      const done = new Promise<void>((r) => (wake = r));
      log.append(
        { sessionId: 1n, zxid, time: Date.now() },
        {
          type: "create",
          path: `/n${zxid}`,
          data: Buffer.from("x"),
          acl: [],
          kind: NodeKind.normal,
          owner: 0n,
          ttl: 0,
          parentCversion: zxid,
        },
      );
      log.schedule();
      await done;
      assert.equal(durable, zxid);
    }
    assert.equal(log.stats.batches, 20);
    assert.equal(log.stats.pooled, 0, "every batch synced on the loop");
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
