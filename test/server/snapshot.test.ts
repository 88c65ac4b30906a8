/** Copy-on-write snapshots: written across many turns while the tree changes, yet exact at their zxid. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OPEN_ACL_UNSAFE } from "../../src/protocol/index.js";
import { DataTree, NodeKind, type DataNode } from "../../src/server/tree.js";
import { applyTxn, type Txn } from "../../src/server/txn.js";
import { SnapshotWriter, readSnapshot } from "../../src/server/storage/snapshot.js";

const noEvents = { nodeEvent: (): void => undefined, childEvent: (): void => undefined };

function image(nodes: Iterable<[string, DataNode]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [p, n] of nodes) {
    out.set(
      p,
      JSON.stringify([
        n.data?.toString() ?? null,
        n.version,
        n.cversion,
        n.aversion,
        n.mzxid,
        n.pzxid,
        n.mtime,
        n.czxid,
        n.kind,
        `${n.owner}`,
      ]),
    );
  }
  return out;
}

test("a snapshot spanning many turns holds exactly the tree at its zxid", async () => {
  const dir = mkdtempSync(join(tmpdir(), "overseer-snap-"));
  try {
    const tree = new DataTree(noEvents);
    let zxid = 0;
    const apply = (txn: Txn): void => void applyTxn(tree, { sessionId: 0n, zxid: ++zxid, time: zxid }, txn);
    const create = (path: string, data: string, parentCversion: number): void =>
      apply({
        type: "create",
        path,
        data: Buffer.from(data),
        acl: OPEN_ACL_UNSAFE,
        kind: NodeKind.normal,
        owner: 0n,
        ttl: 0,
        parentCversion,
      });
    const N = 60_000;
    create("/a", "a", 3);
    for (let i = 0; i < N; i++) create(`/a/n${i}`, "x".repeat(50), i + 1);
    const expected = image(tree.entries());
    const atZ = zxid;

    const writer = new SnapshotWriter(
      dir,
      tree,
      atZ,
      [{ id: 7n, password: Buffer.alloc(16, 1), timeout: 999 }],
      8n,
      async () => undefined,
    );
    const done = writer.write();
    // Mutate between the writer's slices: changes to nodes it has and has not reached yet,
    // deletes, re-creates under the same path and brand new nodes.
    let turns = 0;
    let finished = false;
    void done.finally(() => (finished = true));
    let cv = N;
    while (!finished) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
      const i = (turns * 7919) % N;
      if (tree.get(`/a/n${i}`) !== undefined) {
        apply({ type: "setData", path: `/a/n${i}`, data: Buffer.from(`t${turns}`), version: 1 });
        apply({ type: "delete", path: `/a/n${(i + 1) % N}` });
        create(`/a/new${turns}`, "new", ++cv);
      }
      if (tree.get(`/a/n${(i + 1) % N}`) === undefined) create(`/a/n${(i + 1) % N}`, "reborn", ++cv);
    }
    const res = await done;
    assert.ok(turns > 3, `the snapshot spanned ${turns} turns`);
    assert.ok(zxid > atZ, "the tree changed while it was written");
    const snap = await readSnapshot(res.path, (acl) => acl);
    assert.equal(snap.zxid, atZ);
    assert.deepEqual(snap.sessions, [{ id: 7n, password: Buffer.alloc(16, 1), timeout: 999 }]);
    assert.equal(snap.nextSessionId, 8n);
    const got = image(snap.nodes);
    assert.equal(got.size, expected.size);
    for (const [p, v] of expected)
      if (got.get(p) !== v) assert.fail(`${p}: snapshot ${got.get(p)} != tree at Z ${v}`);
    assert.equal(tree.cow, null, "the copy-on-write hook is removed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
