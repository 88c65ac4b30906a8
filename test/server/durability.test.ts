/**
 * Crash test: a storm of creates and multis from several clients against a server child process,
 * SIGKILLed mid-storm and restarted on the same data dir and port.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OpCode, records, type MultiOp } from "../../src/protocol/index.js";
import { multiCodec, startChildServer } from "./child-server.js";
import { OPEN, RawClient } from "./raw-client.js";

const CLIENTS = 4;
const PIPELINE = 16;
const KILL_AFTER_ACKS = 600;

interface Sent {
  readonly name: string;
  readonly multi: boolean;
}

function createFrame(c: RawClient, path: string): Buffer {
  return c.frame(OpCode.create, records.CreateRequest, {
    path,
    data: Buffer.from(path),
    acl: OPEN,
    flags: 0,
  });
}

function multiFrame(c: RawClient, name: string): Buffer {
  const ops: MultiOp[] = ["a", "b", "c"].map((s) => ({
    type: OpCode.create,
    req: { path: `/m/${name}-${s}`, data: Buffer.from(s), acl: OPEN, flags: 0 },
  }));
  return c.frame(OpCode.multi, multiCodec, ops);
}

/** Pipelined exists for many paths; returns the ones that exist. */
async function existing(c: RawClient, paths: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < paths.length; i += 256) {
    const chunk = paths.slice(i, i + 256);
    for (const p of chunk)
      c.send(c.frame(OpCode.exists, records.PathWatchRequest, { path: p, watch: false }));
    for (const p of chunk) if ((await c.reply(null)).err === 0) out.add(p);
  }
  return out;
}

test("after SIGKILL mid-storm: acknowledged writes survive, no multi is half-applied, sessions resume, zxid continues", async () => {
  const dir = mkdtempSync(join(tmpdir(), "overseer-durability-"));
  // A small snapCount so snapshots (and log rolls) also happen during the storm.
  const first = await startChildServer(dir, 0, { snapCount: 500 });
  const port = first.port;
  const setup = await RawClient.connect(port, { timeout: 4000 });
  assert.equal((await setup.create("/d")).err, 0);
  assert.equal((await setup.create("/m")).err, 0);
  const owner = await RawClient.connect(port, { timeout: 4000 });
  assert.equal((await owner.create("/eph", "mine", 1)).err, 0);

  const acked = new Set<string>();
  const ackedMultis = new Set<string>();
  const multis: string[] = [];
  let maxZxid = 0n;
  let enough: () => void = () => undefined;
  const enoughAcks = new Promise<void>((resolve) => (enough = resolve));
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, () => RawClient.connect(port, { timeout: 4000 })),
  );
  const storm = clients.map(async (c, k) => {
    for (let round = 0; ; round++) {
      const sent: Sent[] = [];
      for (let j = 0; j < PIPELINE; j++) {
        const name = `c${k}-${round}-${j}`;
        const multi = j % 4 === 3;
        c.send(multi ? multiFrame(c, name) : createFrame(c, `/d/${name}`));
        sent.push({ name, multi });
        if (multi) multis.push(name);
      }
      for (const s of sent) {
        let r;
        try {
          r = await c.reply(null);
        } catch {
          return; // the server was killed
        }
        assert.equal(r.err, 0, `reply to ${s.name}`);
        if (r.zxid > maxZxid) maxZxid = r.zxid;
        (s.multi ? ackedMultis : acked).add(s.name);
        if (acked.size + ackedMultis.size >= KILL_AFTER_ACKS) enough();
      }
    }
  });
  await enoughAcks;
  await first.kill("SIGKILL");
  await Promise.all(storm);
  await Promise.all([setup, owner, ...clients].map((c) => c.close()));
  assert.ok(ackedMultis.size > 0 && acked.size > 0);

  const second = await startChildServer(dir, port);
  try {
    // A client that saw the highest zxid before the crash is not refused.
    const check = await RawClient.connect(port, { timeout: 4000, lastZxidSeen: maxZxid });
    assert.ok(check.timeOut > 0, "client with the last seen zxid reconnects");
    const present = await existing(
      check,
      [...acked].map((n) => `/d/${n}`),
    );
    const missing = [...acked].filter((n) => !present.has(`/d/${n}`));
    assert.deepEqual(missing, [], "every acknowledged create is present");

    const multiPaths = multis.flatMap((n) => ["a", "b", "c"].map((s) => `/m/${n}-${s}`));
    const multiPresent = await existing(check, multiPaths);
    for (const n of multis) {
      const count = ["a", "b", "c"].filter((s) => multiPresent.has(`/m/${n}-${s}`)).length;
      assert.ok(count === 0 || count === 3, `multi ${n} applied ${count} of 3 ops`);
      if (ackedMultis.has(n)) assert.equal(count, 3, `acknowledged multi ${n} present`);
    }

    const resumed = await RawClient.connect(port, {
      timeout: 4000,
      sessionId: owner.sessionId,
      passwd: owner.passwd,
    });
    assert.ok(resumed.timeOut > 0, "the session alive before the crash resumes");
    assert.equal(resumed.sessionId, owner.sessionId);
    assert.equal((await resumed.exists("/eph")).body?.stat.ephemeralOwner, owner.sessionId);

    const after = await check.create("/after-restart");
    assert.equal(after.err, 0);
    assert.ok(after.zxid > maxZxid, `zxid continues upward (${after.zxid} > ${maxZxid})`);
    const fresh = await RawClient.connect(port, { timeout: 4000 });
    assert.ok(
      ![owner.sessionId, ...clients.map((c) => c.sessionId)].includes(fresh.sessionId),
      "new session ids do not collide",
    );
    await Promise.all([check, resumed, fresh].map((c) => c.close()));
    assert.deepEqual(
      second.stderr.filter((l) => l.includes('"level":"error"')),
      [],
    );
  } finally {
    await second.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
});
