/**
 * Frames captured between Apache zkCli and Apache ZooKeeper 3.8 (test/fixtures/golden, recorded by
 * scripts/capture-golden.ts). Each frame is decoded with our records and re-encoded: the bytes must be
 * identical, which pins every field order, width and null convention against the real implementation.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  JuteReader,
  JuteWriter,
  OpCode,
  readMultiRequest,
  readMultiResponse,
  records,
  writeMultiRequest,
  writeMultiResponse,
  type Codec,
} from "../../src/protocol/index.js";

interface FrameInfo {
  file: string;
  direction: "c2s" | "s2c";
  opcode?: number;
  xid?: number;
  err?: number;
  description: string;
}

const dir = fileURLToPath(new URL("../fixtures/golden/", import.meta.url));
const index = JSON.parse(readFileSync(dir + "index.json", "utf8")) as { frames: FrameInfo[] };

const requestBodies: Record<number, Codec<never> | "multi" | null> = {
  [OpCode.create]: records.CreateRequest as Codec<never>,
  [OpCode.create2]: records.CreateRequest as Codec<never>,
  [OpCode.createContainer]: records.CreateRequest as Codec<never>,
  [OpCode.createTTL]: records.CreateTTLRequest as Codec<never>,
  [OpCode.delete]: records.DeleteRequest as Codec<never>,
  [OpCode.exists]: records.PathWatchRequest as Codec<never>,
  [OpCode.getData]: records.PathWatchRequest as Codec<never>,
  [OpCode.getChildren]: records.PathWatchRequest as Codec<never>,
  [OpCode.getChildren2]: records.PathWatchRequest as Codec<never>,
  [OpCode.setData]: records.SetDataRequest as Codec<never>,
  [OpCode.getACL]: records.PathRequest as Codec<never>,
  [OpCode.sync]: records.PathRequest as Codec<never>,
  [OpCode.getEphemerals]: records.PathRequest as Codec<never>,
  [OpCode.getAllChildrenNumber]: records.PathRequest as Codec<never>,
  [OpCode.setACL]: records.SetACLRequest as Codec<never>,
  [OpCode.addWatch]: records.AddWatchRequest as Codec<never>,
  [OpCode.removeWatches]: records.WatchesRequest as Codec<never>,
  [OpCode.checkWatches]: records.WatchesRequest as Codec<never>,
  [OpCode.auth]: records.AuthPacket as Codec<never>,
  [OpCode.setWatches]: records.SetWatches as Codec<never>,
  [OpCode.setWatches2]: records.SetWatches2 as Codec<never>,
  [OpCode.multi]: "multi",
  [OpCode.whoAmI]: null,
  [OpCode.ping]: null,
  [OpCode.closeSession]: null,
};

const replyBodies: Record<number, Codec<never> | "multi" | null> = {
  [OpCode.create]: records.CreateResponse as Codec<never>,
  [OpCode.create2]: records.Create2Response as Codec<never>,
  [OpCode.createContainer]: records.Create2Response as Codec<never>,
  [OpCode.createTTL]: records.Create2Response as Codec<never>,
  [OpCode.exists]: records.StatResponse as Codec<never>,
  [OpCode.setData]: records.StatResponse as Codec<never>,
  [OpCode.setACL]: records.StatResponse as Codec<never>,
  [OpCode.getData]: records.GetDataResponse as Codec<never>,
  [OpCode.getACL]: records.GetACLResponse as Codec<never>,
  [OpCode.getChildren]: records.GetChildrenResponse as Codec<never>,
  [OpCode.getChildren2]: records.GetChildren2Response as Codec<never>,
  [OpCode.sync]: records.PathRequest as Codec<never>,
  [OpCode.getEphemerals]: records.GetEphemeralsResponse as Codec<never>,
  [OpCode.getAllChildrenNumber]: records.GetAllChildrenNumberResponse as Codec<never>,
  [OpCode.addWatch]: records.ErrorResponse as Codec<never>,
  [OpCode.whoAmI]: records.WhoAmIResponse as Codec<never>,
  [OpCode.multi]: "multi",
  [OpCode.delete]: null,
  [OpCode.removeWatches]: null,
  [OpCode.setWatches2]: null,
  [OpCode.auth]: null,
  [OpCode.ping]: null,
  [OpCode.closeSession]: null,
};

function load(file: string): Buffer {
  return Buffer.from(readFileSync(dir + file, "utf8").trim(), "hex");
}

/** Decode one frame with our records and write it back; returns the re-encoded frame. */
function reencode(f: FrameInfo, frame: Buffer): Buffer {
  const body = frame.subarray(4);
  assert.equal(frame.readInt32BE(0), body.length, "length prefix");
  const r = new JuteReader(body);
  const w = new JuteWriter();
  w.writeInt(body.length);
  const isConnect = f.file.includes("-connect");
  if (isConnect) {
    const codec = f.direction === "c2s" ? records.ConnectRequest : records.ConnectResponse;
    (codec as Codec<unknown>).write(w, (codec as Codec<unknown>).read(r));
    // The trailing readOnly flag Java writes outside the record (PROTOCOL.md §2.1).
    assert.equal(r.remaining, 1, "readOnly byte present");
    w.writeBool(r.readBool());
    return w.toBuffer();
  }
  if (f.direction === "c2s") {
    const h = records.RequestHeader.read(r);
    records.RequestHeader.write(w, h);
    const c = requestBodies[h.type];
    assert.notEqual(c, undefined, `no request record for opcode ${h.type}`);
    if (c === "multi") writeMultiRequest(w, readMultiRequest(r, "write"));
    else if (c) c.write(w, c.read(r));
  } else {
    const h = records.ReplyHeader.read(r);
    records.ReplyHeader.write(w, h);
    if (h.xid === -1) {
      assert.equal(h.zxid, -1n, "3.8 notifications carry zxid -1");
      records.WatcherEvent.write(w, records.WatcherEvent.read(r));
    } else if (h.err === 0) {
      const c = replyBodies[f.opcode ?? NaN];
      assert.notEqual(c, undefined, `no reply record for opcode ${f.opcode}`);
      if (c === "multi") writeMultiResponse(w, readMultiResponse(r));
      else if (c) c.write(w, c.read(r));
    }
  }
  assert.equal(r.remaining, 0, "every byte consumed");
  return w.toBuffer();
}

test("the captured fixture set covers the handshake, requests, replies, errors, notifications and multi", () => {
  const files = index.frames.map((f) => f.file).join(" ");
  for (const needle of [
    "connect",
    "create",
    "createContainer",
    "createTTL",
    "multi-reply-failed",
    "notification",
    "whoAmI",
    "addWatch",
    "setWatches2",
    "ping",
    "closeSession",
  ]) {
    assert.ok(files.includes(needle), `fixtures include ${needle}`);
  }
});

for (const f of index.frames) {
  test(`golden ${f.file}: decode and re-encode byte for byte`, () => {
    const frame = load(f.file);
    assert.equal(reencode(f, frame).toString("hex"), frame.toString("hex"));
  });
}

test("Apache's failed multi uses the error-result encoding: k gets its code, later ops -2, header err 0", () => {
  const f = index.frames.find((x) => x.file.includes("multi-reply-failed"));
  assert.ok(f);
  const r = new JuteReader(load(f.file).subarray(4));
  const h = records.ReplyHeader.read(r);
  assert.equal(h.err, 0);
  assert.deepEqual(readMultiResponse(r), [
    { type: -1, err: -102 },
    { type: -1, err: -2 },
    { type: -1, err: -2 },
  ]);
});

test("Apache answers the handshake with a 16-byte password and echoes the readOnly byte", () => {
  const f = index.frames.find((x) => x.file.includes("connect-response"));
  assert.ok(f);
  const body = load(f.file).subarray(4);
  assert.equal(body.length, 37);
  const res = records.ConnectResponse.read(new JuteReader(body));
  assert.equal(res.passwd?.length, 16);
});
