/**
 * Property: no sequence of random or mutated frames, on any connection, crashes the server or
 * affects another session. A canary session checks its protected node after every case; at the end
 * the data dir (which logged whatever garbage writes succeeded) must recover to the same state.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { startServer } from "../../src/server/index.js";
import { canary, caseArb, countingLogger, runCase, seedFrames } from "./frame-fuzz.js";
import { RawClient } from "./raw-client.js";

const CASES = Number(process.env["FRAME_FUZZ_CASES"] ?? 2000);

test(`random and mutated frames (${CASES} cases): no crash, canary session unaffected, data dir recovers`, async () => {
  const dir = mkdtempSync(join(tmpdir(), "overseer-fuzz-"));
  try {
    const log = countingLogger();
    const opts = {
      port: 0,
      tickTime: 50,
      dataDir: dir,
      forceSync: false,
      fourLetterWords: "*",
      snapCount: 500,
    };
    const server = await startServer({ ...opts, logger: log.logger });
    let zxid: number;
    try {
      const c = await canary(server.port);
      await fc.assert(
        fc.asyncProperty(caseArb(seedFrames()), async (fuzz) => {
          await runCase(server.port, fuzz);
          await c.check();
        }),
        { numRuns: CASES },
      );
      assert.deepEqual(log.errors, []);
      zxid = server.stats().zxid;
      await c.client.close();
    } finally {
      await server.close();
    }

    const again = await startServer({ ...opts, port: 0 });
    try {
      assert.equal(again.stats().zxid, zxid, "every logged txn replays");
      const probe = await RawClient.connect(again.port);
      assert.equal((await probe.getData("/f")).err, 0);
      await probe.close();
    } finally {
      await again.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
