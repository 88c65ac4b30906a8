/** A new log file's zero-fill is synced apart from the batches' own fdatasyncs (storage/txnlog.ts, grow). */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { NodeKind } from "../../src/server/node.js";
import { PREALLOC, TxnLog } from "../../src/server/storage/txnlog.js";

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Runs `body` on a fresh log whose `commit` appends one create as its own batch and waits until it is durable. */
async function withLog(
  forceSync: boolean,
  body: (commit: (zxid: number, data: Buffer) => Promise<void>, log: TxnLog, dir: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "overseer-txnlog-"));
  let durable = 0;
  let wake: () => void = () => undefined;
  const log = new TxnLog(
    {
      dir,
      forceSync,
      logger: quiet,
      onDurable: (z) => ((durable = z), wake()),
      onFatal: (err) => assert.fail(String(err)),
    },
    0,
  );
  const commit = async (zxid: number, data: Buffer): Promise<void> => {
    const done = new Promise<void>((r) => (wake = r));
    log.append(
      { sessionId: 1n, zxid, time: Date.now() },
      {
        type: "create",
        path: `/n${zxid}`,
        data,
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
  };
  try {
    await body(commit, log, dir);
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Before 1c1d647 the first batch's fdatasync flushed the 16 MiB of preallocated zeros too (~12 ms on
// this VM's ext4), which the sync policy took for a slow disk and sent the next 1,000 batches to the
// thread pool. What is tested here is the mechanism — one sync of the zeros of their own, before the
// batch — not how long the disk takes (the policy's thresholds are sync-policy.test.ts's).
test("with forceSync, a file's zero-fill gets one fdatasync of its own, once per PREALLOC step", async () => {
  await withLog(true, async (commit, log, dir) => {
    for (let zxid = 1; zxid <= 20; zxid++) {
      await commit(zxid, Buffer.from("x"));
      assert.equal(log.stats.fillSyncs, 1, `batch ${zxid}: the first batch's zero-fill only`);
    }
    const [file] = readdirSync(dir);
    assert.equal(statSync(join(dir, file!)).size, PREALLOC, "grown by one PREALLOC step");
    // A batch that runs past the zeros grows the file by another step, synced apart again.
    await commit(21, Buffer.alloc(PREALLOC / 2 + 1));
    await commit(22, Buffer.alloc(PREALLOC / 2 + 1));
    assert.equal(log.stats.fillSyncs, 2);
    assert.equal(statSync(join(dir, file!)).size, 2 * PREALLOC);
    assert.equal(log.stats.batches, 22);
  });
});

test("without forceSync nothing is synced, the zero-fill included", async () => {
  await withLog(false, async (commit, log) => {
    for (let zxid = 1; zxid <= 3; zxid++) await commit(zxid, Buffer.from("x"));
    assert.equal(log.stats.fillSyncs, 0);
    assert.equal(log.stats.pooled, 0);
    assert.equal(log.stats.batches, 3);
  });
});
