import { test } from "node:test";
import assert from "node:assert/strict";
import { encode, decode, records, OpCode, type Codec, type Stat } from "../../src/protocol/index.js";

const stat: Stat = {
  czxid: 0x100000004n,
  mzxid: 0x100000004n,
  ctime: 1487345782000,
  mtime: 1487345782001,
  version: 1,
  cversion: -1,
  aversion: 2,
  ephemeralOwner: 0x15a4c457d560001n,
  dataLength: 24,
  numChildren: 0,
  pzxid: 0x100000005n,
};

test("Stat is 68 bytes in field order", () => {
  const b = encode(records.Stat, stat);
  assert.equal(b.length, 68);
  assert.equal(b.readBigInt64BE(0), 0x100000004n);
  assert.equal(b.readInt32BE(32), 1); // version
  assert.equal(b.readInt32BE(36), -1); // cversion
  assert.equal(b.readBigInt64BE(44), 0x15a4c457d560001n); // ephemeralOwner
  assert.equal(b.readBigInt64BE(60), 0x100000005n); // pzxid
  assert.deepEqual(decode(records.Stat, b), stat);
});

test("ConnectRequest without the readOnly byte is 44 bytes and ConnectResponse 36", () => {
  const req = encode(records.ConnectRequest, {
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeOut: 30000,
    sessionId: 0n,
    passwd: Buffer.alloc(16),
  });
  assert.equal(req.length, 44);
  const res = encode(records.ConnectResponse, {
    protocolVersion: 0,
    timeOut: 4000,
    sessionId: 0x1000001n,
    passwd: Buffer.alloc(16, 1),
  });
  assert.equal(res.length, 36);
  assert.deepEqual(decode(records.ConnectResponse, res).sessionId, 0x1000001n);
});

test("CreateRequest carries path, data, ACL vector and flags in order", () => {
  const b = encode(records.CreateRequest, {
    path: "/a",
    data: Buffer.from("x"),
    acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
    flags: 3,
  });
  assert.equal(
    b.toString("hex"),
    "00000002" +
      Buffer.from("/a").toString("hex") +
      "00000001" +
      "78" +
      "00000001" +
      "0000001f" +
      "00000005" +
      Buffer.from("world").toString("hex") +
      "00000006" +
      Buffer.from("anyone").toString("hex") +
      "00000003",
  );
  assert.equal(decode(records.CreateRequest, b).flags, 3);
});

test("every request record round-trips", () => {
  const check = <T>(c: Codec<T>, v: T): void => assert.deepEqual(decode(c, encode(c, v)), v);
  check(records.CreateTTLRequest, { path: "/t", data: null, acl: [], flags: 5, ttl: 1000 });
  check(records.DeleteRequest, { path: "/d", version: -1 });
  check(records.PathWatchRequest, { path: "/w", watch: true });
  check(records.SetDataRequest, { path: "/s", data: Buffer.from("v"), version: 3 });
  check(records.SetACLRequest, {
    path: "/s",
    acl: [{ perms: 1, id: { scheme: "ip", id: "127.0.0.1" } }],
    version: 0,
  });
  check(records.GetChildren2Response, { children: ["a", "b"], stat });
  check(records.SetWatches2, {
    relativeZxid: 5n,
    dataWatches: ["/a"],
    existWatches: [],
    childWatches: ["/b"],
    persistentWatches: ["/p"],
    persistentRecursiveWatches: ["/r"],
  });
  check(records.AuthPacket, { type: 0, scheme: "digest", auth: Buffer.from("u:p") });
  check(records.WhoAmIResponse, { clientInfo: [{ authScheme: "ip", user: "127.0.0.1" }] });
  check(records.ReconfigRequest, {
    joiningServers: "",
    leavingServers: "",
    newMembers: "",
    curConfigId: -1n,
  });
  check(records.WatcherEvent, { type: 4, state: 3, path: "/x" });
  check(records.GetAllChildrenNumberResponse, { totalNumber: 7 });
  check(records.AddWatchRequest, { path: "/x", mode: 1 });
  assert.equal(OpCode.addWatch, 106);
});
