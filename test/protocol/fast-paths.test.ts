/**
 * The codec's fast paths (53-bit longs, short ASCII strings, the path check's common case, frames
 * decoded in place) must give exactly what the general paths give.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  FrameDecoder,
  FrameError,
  JuteReader,
  JuteWriter,
  longAt,
  pathProblem,
} from "../../src/protocol/index.js";

const LONG_EDGES = [
  0n,
  1n,
  -1n,
  2n ** 53n - 1n,
  2n ** 53n,
  -(2n ** 53n),
  -(2n ** 53n) - 1n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  0x1ffffffffffffn,
  0x20000000000000n,
  -0x20000000000001n,
  0x100000005n,
];

test("longs decode the same on both sides of 2^53", () => {
  const check = (v: bigint): void => {
    const b = Buffer.alloc(9);
    b.writeBigInt64BE(v, 1);
    assert.equal(longAt(b, 1), v);
    assert.equal(new JuteReader(b, 1).readLong(), v);
  };
  for (const v of LONG_EDGES) check(v);
  fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => check(v)));
});

test("strings encode as UTF-8 whatever their length and characters", () => {
  const check = (s: string): void => {
    const w = new JuteWriter(1);
    w.writeInt(7).writeString(s).writeInt(9);
    const bytes = Buffer.from(s, "utf8");
    const expected = Buffer.alloc(12 + bytes.length);
    expected.writeInt32BE(7, 0);
    expected.writeInt32BE(bytes.length, 4);
    bytes.copy(expected, 8);
    expected.writeInt32BE(9, 8 + bytes.length);
    assert.deepEqual(w.toBuffer(), expected);
  };
  for (const s of [
    "",
    "/",
    "/a/b",
    "é",
    "/zk/\u00ff",
    "/x/😀",
    "a".repeat(64),
    "a".repeat(65),
    `${"a".repeat(63)}é`,
  ])
    check(s);
  fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 80 }), (s) => check(s)));
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => check(s)));
});

/** The rules as first written: the reference the fast check must agree with. */
function referenceProblem(path: string): string | null {
  if (path.length === 0) return "path must not be empty";
  if (path[0] !== "/") return "path must start with /";
  if (path.length === 1) return null;
  if (path.endsWith("/")) return "path must not end with /";
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0) return `null character not allowed @${i}`;
    if (c === 0x2f && path.charCodeAt(i - 1) === 0x2f) return `empty node name specified @${i}`;
    if ((c > 0 && c < 0x20) || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || c >= 0xfff0)
      return `invalid character @${i}`;
  }
  for (const segment of path.split("/")) {
    if (segment === "." || segment === "..") return `relative paths not allowed: ${segment}`;
  }
  return null;
}

test("the path check agrees with the reference rules, messages included", () => {
  const samples = [
    "/",
    "/a",
    "/a/",
    "//a",
    "/a//b",
    "/.",
    "/..",
    "/a/./b",
    "/a/../b",
    "/.a",
    "/a.",
    "/a/.b/..c",
  ];
  for (const s of [
    ...samples,
    "",
    "a",
    "/\u0000",
    "/a\u001f",
    "/\u007f",
    "/\u009f",
    "/\ud800",
    "/\uf8ff",
    "/\ufff0",
  ])
    assert.equal(pathProblem(s), referenceProblem(s), JSON.stringify(s));
  const char = fc.constantFrom(
    "/",
    ".",
    "a",
    "Z",
    "0",
    "~",
    " ",
    "\u0000",
    "\u001f",
    "\u007f",
    "\u0090",
    "é",
    "\ud800",
    "\ufff5",
  );
  const path = fc.array(char, { maxLength: 12 }).map((cs) => cs.join(""));
  fc.assert(fc.property(path, (p) => assert.equal(pathProblem(p), referenceProblem(p))));
  fc.assert(fc.property(path, (p) => assert.equal(pathProblem(`/${p}`), referenceProblem(`/${p}`))));
});

function frame(body: Buffer): Buffer {
  const b = Buffer.alloc(4 + body.length);
  b.writeInt32BE(body.length, 0);
  body.copy(b, 4);
  return b;
}

test("frames come out whole however the stream is cut, large ones included", () => {
  const bodies = [
    Buffer.alloc(0),
    Buffer.from("abc"),
    Buffer.alloc(70_000, 7),
    Buffer.from("z"),
    Buffer.alloc(3, 1),
  ];
  const stream = Buffer.concat(bodies.map(frame));
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 40 }), (cuts) => {
      const points = [...new Set([0, ...cuts, stream.length])].sort((a, b) => a - b);
      const d = new FrameDecoder(100_000);
      const out: Buffer[] = [];
      for (let i = 1; i < points.length; i++) {
        d.each(stream.subarray(points[i - 1], points[i]), (buf, start, end) =>
          out.push(Buffer.from(buf.subarray(start, end))),
        );
      }
      assert.deepEqual(out, bodies);
      assert.equal(d.buffered, 0);
    }),
    { numRuns: 200 },
  );
});

test("a bad length split across chunks is still rejected, after the frames before it", () => {
  const good = frame(Buffer.from("ok"));
  const bad = Buffer.from("000003e9", "hex");
  const d = new FrameDecoder(1000);
  const seen: string[] = [];
  const sink = (buf: Buffer, start: number, end: number): number =>
    seen.push(buf.toString("utf8", start, end));
  d.each(Buffer.concat([good, bad.subarray(0, 2)]), sink);
  assert.deepEqual(seen, ["ok"]);
  assert.equal(d.buffered, 2);
  assert.equal(d.peekLength(), null);
  assert.throws(() => d.each(bad.subarray(2), sink), FrameError);
  assert.equal(d.buffered, 0);
  const e = new FrameDecoder();
  e.each(Buffer.from("0000000a0102", "hex"), sink);
  assert.equal(e.peekLength(), 10);
  assert.equal(e.buffered, 6);
});
