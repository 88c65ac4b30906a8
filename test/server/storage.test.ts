/** Txn log tail damage, snapshot + log replay, snapshot fallback and purge (in-process servers). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type Logger, type RunningServer, type ServerOptions } from "../../src/server/index.js";
import { PREALLOC } from "../../src/server/storage/txnlog.js";
import { startChildServer } from "./child-server.js";
import { RawClient } from "./raw-client.js";

interface Captured {
  readonly warnings: string[];
  readonly logger: Logger;
}

function capture(): Captured {
  const warnings: string[] = [];
  const noop = (): void => undefined;
  const warn = (obj: object | string, msg?: string): void =>
    void warnings.push(typeof obj === "string" ? obj : (msg ?? ""));
  return { warnings, logger: { debug: noop, info: noop, warn, error: warn } };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "overseer-storage-"));
}

async function start(dataDir: string, opts: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ port: 0, tickTime: 50, dataDir, ...opts });
}

async function createAll(port: number, paths: readonly string[]): Promise<RawClient> {
  const c = await RawClient.connect(port);
  for (const p of paths) assert.equal((await c.create(p, p)).err, 0, p);
  return c;
}

/** Every node's path → data and Stat, read over the wire (for exact before/after comparisons). */
async function dump(c: RawClient, path = "/", out = new Map<string, string>()): Promise<Map<string, string>> {
  const d = await c.getData(path);
  const ch = await c.getChildren(path);
  if (d.body === null || ch.body === null) throw new Error(`vanished: ${path}`);
  const stat = d.body.stat;
  out.set(
    path,
    JSON.stringify([
      d.body.data?.toString("hex") ?? null,
      {
        ...stat,
        czxid: `${stat.czxid}`,
        mzxid: `${stat.mzxid}`,
        pzxid: `${stat.pzxid}`,
        ephemeralOwner: `${stat.ephemeralOwner}`,
      },
    ]),
  );
  for (const name of [...ch.body.children].sort())
    await dump(c, path === "/" ? `/${name}` : `${path}/${name}`, out);
  return out;
}

function logFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.startsWith("log."))
    .sort()
    .map((n) => join(dir, n));
}

/** Offset of the last record in a log file (records: int length, int crc, payload). */
function lastRecordOffset(path: string): number {
  const buf = readFileSync(path);
  let off = 8;
  let last = -1;
  while (off + 8 <= buf.length) {
    last = off;
    off += 8 + buf.readInt32BE(off);
  }
  return last;
}

describe("txn log tail damage", () => {
  const paths = Array.from({ length: 10 }, (_, i) => `/n${i}`);

  for (const damage of ["truncated", "bit-flipped"] as const) {
    test(`a ${damage} last record is cut off; only that record is lost`, async () => {
      const dir = tempDir();
      try {
        const s1 = await start(dir);
        await (await createAll(s1.port, paths)).close();
        await s1.close();
        const file = logFiles(dir).at(-1);
        assert.ok(file !== undefined);
        const off = lastRecordOffset(file);
        const size = readFileSync(file).length;
        if (damage === "truncated") truncateSync(file, size - 3);
        else {
          const buf = readFileSync(file);
          const at = off + 8 + 20; // inside the payload of the last record (the create of /n9)
          buf.writeUInt8((buf.readUInt8(at) ^ 0x40) & 0xff, at);
          writeFileSync(file, buf);
        }
        const cap = capture();
        const s2 = await start(dir, { logger: cap.logger });
        const c = await RawClient.connect(s2.port);
        for (const p of paths.slice(0, 9)) assert.equal((await c.exists(p)).err, 0, p);
        assert.notEqual((await c.exists("/n9")).err, 0, "the damaged record is dropped");
        assert.equal(readFileSync(file).length, off, "file truncated at the damaged record");
        assert.equal(cap.warnings.length, 1);
        assert.equal((await c.create("/n9", "again")).err, 0);
        await c.close();
        await s2.close();
        // The repaired log and the new writes load cleanly, without warnings.
        const cap3 = capture();
        const s3 = await start(dir, { logger: cap3.logger });
        const c3 = await RawClient.connect(s3.port);
        assert.equal((await c3.getData("/n9")).body?.data?.toString(), "again");
        assert.deepEqual(cap3.warnings, []);
        await c3.close();
        await s3.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("txn log preallocation", () => {
  test("after SIGKILL the log ends in preallocated zeros: every record is read back, twice, without warnings", async () => {
    const dir = tempDir();
    try {
      const child = await startChildServer(dir, 0);
      const paths = Array.from({ length: 50 }, (_, i) => `/z${i}`);
      await (await createAll(child.port, paths)).close();
      await child.kill("SIGKILL");
      const file = logFiles(dir).at(-1);
      assert.ok(file !== undefined);
      const buf = readFileSync(file);
      assert.equal(buf.length % PREALLOC, 0, "grown in PREALLOC steps");
      assert.ok(
        buf.subarray(buf.length - 1024).every((b) => b === 0),
        "a zero tail",
      );
      // First restart: that file is the newest; second: an older one (new writes went to a new file).
      for (const round of [1, 2]) {
        const cap = capture();
        const s = await start(dir, { logger: cap.logger });
        const c = await RawClient.connect(s.port);
        for (const p of paths) assert.equal((await c.exists(p)).err, 0, `${p} (restart ${round})`);
        assert.equal((await c.create(`/after${round}`)).err, 0);
        assert.deepEqual(cap.warnings, []);
        await c.close();
        await s.close();
      }
      // A graceful close cut its file's zeros off: the newest log ends with its last record.
      const newest = logFiles(dir).at(-1) ?? "";
      assert.ok(readFileSync(newest).length < PREALLOC);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("snapshots", () => {
  test("a snapshot taken while writes continue + log replay restore the exact tree", async () => {
    const dir = tempDir();
    try {
      const s1 = await start(dir, { snapCount: 1_000_000 });
      const c = await createAll(
        s1.port,
        Array.from({ length: 300 }, (_, i) => `/s${i}`),
      );
      // Start the snapshot and, before it can finish, change nodes it may not have reached yet.
      const snap = s1.takeSnapshot();
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 300; i += 3) {
        writes.push(c.setData(`/s${i}`, `changed-${i}`));
        writes.push(c.delete(`/s${i + 1}`));
        writes.push(c.create(`/s${i + 2}/child`, "kid"));
      }
      await Promise.all(writes);
      const res = await snap;
      assert.ok(res !== null && res.nodes >= 304);
      const before = await dump(c);
      await c.close();
      await s1.close();
      // Keep only the snapshot and the log from its zxid on: replay must start exactly after it.
      const s2 = await start(dir);
      const c2 = await RawClient.connect(s2.port);
      assert.deepEqual(await dump(c2), before);
      await c2.close();
      await s2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("old snapshots and logs are purged beyond snapRetainCount; a damaged newest snapshot falls back", async () => {
    const dir = tempDir();
    try {
      const s1 = await start(dir, { snapCount: 50, snapRetainCount: 2 });
      const c = await RawClient.connect(s1.port);
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 60; i++) assert.equal((await c.create(`/p${round}-${i}`)).err, 0);
        await s1.takeSnapshot(); // joins the one snapCount started, so rounds don't overlap
      }
      const before = await dump(c);
      await c.close();
      await s1.close();
      const snaps = readdirSync(dir).filter((n) => n.startsWith("snapshot."));
      assert.equal(snaps.length, 2, `retained: ${snaps.join(",")}`);
      const oldest = parseInt(snaps.sort()[0]?.slice("snapshot.".length) ?? "0", 16);
      const logs = logFiles(dir).map((p) => parseInt(p.slice(p.lastIndexOf(".") + 1), 16));
      // Only the log holding oldest + 1 and later ones remain.
      assert.ok(
        logs.filter((z) => z <= oldest + 1).length <= 1,
        `logs ${logs.join(",")} vs snapshot ${oldest}`,
      );

      const newest = join(dir, snaps.sort().at(-1) ?? "");
      const buf = readFileSync(newest);
      buf.writeUInt8(buf.readUInt8(buf.length >> 1) ^ 0xff, buf.length >> 1);
      writeFileSync(newest, buf);
      const cap = capture();
      const s2 = await start(dir, { logger: cap.logger });
      const c2 = await RawClient.connect(s2.port);
      assert.deepEqual(await dump(c2), before);
      assert.ok(cap.warnings.some((w) => w.includes("snapshot unreadable")));
      await c2.close();
      await s2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
