import { test } from "node:test";
import assert from "node:assert/strict";
import { JuteReader, JuteWriter, JuteDecodeError } from "../../src/protocol/index.js";

test("ints and longs are big-endian two's complement", () => {
  const w = new JuteWriter(1);
  w.writeInt(-2).writeLong(0x0100000000000001n).writeLongNumber(1487345782000);
  assert.equal(w.toBuffer().toString("hex"), "fffffffe" + "0100000000000001" + "0000015a4cb78cf0");
  const r = new JuteReader(w.toBuffer());
  assert.equal(r.readInt(), -2);
  assert.equal(r.readLong(), 0x0100000000000001n);
  assert.equal(r.readLongNumber(), 1487345782000);
  assert.equal(r.remaining, 0);
});

test("negative longs carried as numbers survive a round trip", () => {
  const w = new JuteWriter();
  w.writeLongNumber(-1).writeLongNumber(-5_000_000_000);
  const r = new JuteReader(w.toBuffer());
  assert.equal(r.readLongNumber(), -1);
  assert.equal(r.readLongNumber(), -5_000_000_000);
});

test("null and empty buffers and strings stay distinct", () => {
  const w = new JuteWriter();
  w.writeBuffer(null).writeBuffer(Buffer.alloc(0)).writeString(null).writeString("").writeString("żółw");
  assert.equal(
    w.toBuffer().subarray(0, 16).toString("hex"),
    "ffffffff" + "00000000" + "ffffffff" + "00000000",
  );
  const r = new JuteReader(w.toBuffer());
  assert.equal(r.readBuffer(), null);
  assert.deepEqual(r.readBuffer(), Buffer.alloc(0));
  assert.equal(r.readString(), null);
  assert.equal(r.readString(), "");
  assert.equal(r.readString(), "żółw");
});

test("booleans are written as exactly 0 or 1 and any non-zero byte reads as true", () => {
  const w = new JuteWriter();
  w.writeBool(true).writeBool(false);
  assert.deepEqual([...w.toBuffer()], [1, 0]);
  assert.equal(new JuteReader(Buffer.from([7])).readBool(), true);
});

test("truncated input and absurd lengths raise JuteDecodeError instead of reading out of range", () => {
  assert.throws(() => new JuteReader(Buffer.from([0, 0])).readInt(), JuteDecodeError);
  assert.throws(() => new JuteReader(Buffer.from([0, 0, 0, 9, 1, 2])).readBuffer(), JuteDecodeError);
  assert.throws(() => new JuteReader(Buffer.from([0xff, 0xff, 0xff, 0xfe])).readString(), JuteDecodeError);
  assert.throws(() => new JuteReader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).readBuffer(), JuteDecodeError);
  assert.throws(() => new JuteReader(Buffer.from([0, 0, 0, 200, 1])).readVectorLength(), JuteDecodeError);
});

test("the writer grows past its initial size", () => {
  const w = new JuteWriter(2);
  const big = Buffer.alloc(10_000, 7);
  w.writeBuffer(big);
  assert.equal(w.length, 10_004);
  assert.deepEqual(new JuteReader(w.toBuffer()).readBuffer(), big);
});
