import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FrameDecoder,
  FrameError,
  JuteDecodeError,
  JuteReader,
  JuteWriter,
  OpCode,
  readMultiRequest,
  readMultiResponse,
  requestFrame,
  records,
  writeMultiRequest,
  writeMultiResponse,
  type MultiOp,
  type MultiResult,
} from "../../src/protocol/index.js";

test("a multi request ends with the {-1, true, -1} terminator and round-trips", () => {
  const ops: MultiOp[] = [
    { type: OpCode.create, req: { path: "/a", data: null, acl: [], flags: 0 } },
    { type: OpCode.check, req: { path: "/a", version: 0 } },
    { type: OpCode.setData, req: { path: "/a", data: Buffer.from("x"), version: -1 } },
    { type: OpCode.delete, req: { path: "/a", version: -1 } },
  ];
  const w = new JuteWriter();
  writeMultiRequest(w, ops);
  const b = w.toBuffer();
  assert.equal(b.subarray(b.length - 9).toString("hex"), "ffffffff01ffffffff");
  assert.deepEqual(readMultiRequest(new JuteReader(b), "write"), ops);
  assert.throws(() => readMultiRequest(new JuteReader(b), "read"), JuteDecodeError);
});

test("a failed multi's results carry the code in header and body", () => {
  const results: MultiResult[] = [
    { type: OpCode.error, err: 0 },
    { type: OpCode.error, err: -101 },
    { type: OpCode.error, err: -2 },
  ];
  const w = new JuteWriter();
  writeMultiResponse(w, results);
  const b = w.toBuffer();
  // second header: type -1, done false, err -101, then body int -101
  assert.equal(b.subarray(13, 26).toString("hex"), "ffffffff00ffffff9bffffff9b");
  assert.deepEqual(readMultiResponse(new JuteReader(b)), results);
});

test("the frame decoder reassembles frames split at every byte and rejects bad lengths", () => {
  const f1 = requestFrame(1, OpCode.exists, records.PathWatchRequest, { path: "/abc", watch: false });
  const f2 = requestFrame(2, OpCode.ping, null, undefined);
  const all = Buffer.concat([f1, f2]);
  for (let cut = 0; cut <= all.length; cut++) {
    const d = new FrameDecoder();
    const frames = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
    assert.equal(frames.length, 2);
    assert.deepEqual(frames[0], f1.subarray(4));
    assert.deepEqual(frames[1], f2.subarray(4));
  }
  assert.throws(() => new FrameDecoder().push(Buffer.from("ffffffff", "hex")), FrameError);
  assert.throws(() => new FrameDecoder(1000).push(Buffer.from("000003e9", "hex")), FrameError);
  assert.equal(new FrameDecoder().push(Buffer.from("00000003aa", "hex")).length, 0);
});

test("with an oversized handler, a frame over the limit is skipped (head kept) wherever the chunks split", () => {
  const frame = (len: number, fill: number): Buffer => {
    const b = Buffer.alloc(4 + len, fill);
    b.writeInt32BE(len, 0);
    b.writeInt32BE(1000 + fill, 4); // an xid, in the head the handler gets
    return b;
  };
  const small1 = frame(20, 1);
  const big = frame(3000, 2);
  const small2 = frame(30, 3);
  const all = Buffer.concat([small1, big, small2]);
  const cuts = [0, 3, 4, 5, 24, 27, 28, 30, 40, 1000, 3027, 3028, 3031, 3032, all.length - 1];
  for (const a of cuts)
    for (const b of cuts) {
      if (b < a) continue;
      const skipped: [number, number][] = [];
      const d = new FrameDecoder(1024, (head, length) => skipped.push([head.readInt32BE(0), length]));
      const frames = [all.subarray(0, a), all.subarray(a, b), all.subarray(b)].flatMap((c) => d.push(c));
      assert.deepEqual(frames, [small1.subarray(4), small2.subarray(4)], `cuts ${a}/${b}`);
      assert.deepEqual(skipped, [[1002, 3000]], `cuts ${a}/${b}`);
      assert.equal(d.buffered, 0);
    }
  // Byte by byte, too; a negative length still throws.
  const skipped: number[] = [];
  const d = new FrameDecoder(1024, (_h, length) => skipped.push(length));
  const frames = [...all].flatMap((byte) => d.push(Buffer.from([byte])));
  assert.equal(frames.length, 2);
  assert.deepEqual(skipped, [3000]);
  assert.throws(
    () => new FrameDecoder(1024, () => undefined).push(Buffer.from("ffffffff", "hex")),
    FrameError,
  );
});
