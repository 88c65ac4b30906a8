/**
 * Hostile or broken input: each bad connection is closed with nothing applied, while other
 * sessions keep working and the server stays up.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { once } from "node:events";
import { ErrorCode, OpCode, encode, records } from "../../src/protocol/index.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { RawClient, OPEN } from "./raw-client.js";

let server: RunningServer;
let witness: RawClient;

before(async () => {
  server = await startServer({ port: 0, tickTime: 100 });
  witness = await RawClient.connect(server.port);
});
after(async () => {
  await witness.close();
  await server.close();
});

/** Send `bytes` on a fresh socket and resolve once the server has closed it; returns what came back. */
async function sendAndAwaitClose(bytes: Buffer[], endAfter = false): Promise<Buffer> {
  const s = connect(server.port, "127.0.0.1");
  await once(s, "connect");
  const got: Buffer[] = [];
  s.on("data", (d: Buffer) => got.push(d));
  s.on("error", () => undefined);
  const closed = once(s, "close");
  for (const b of bytes) s.write(b);
  if (endAfter) s.end();
  await closed;
  return Buffer.concat(got);
}

function createFrame(c: RawClient, path: string, xid = 1): Buffer {
  return c.frame(OpCode.create, records.CreateRequest, { path, data: null, acl: OPEN, flags: 0 }, xid);
}

/** After every case: the witness session still works and the server state is unchanged. */
async function assertHealthy(path: string): Promise<void> {
  const r = await witness.exists(path);
  assert.equal(r.err, ErrorCode.NONODE, `${path} must not exist`);
  const p = await witness.call<null, null>(OpCode.ping, null, null, null);
  assert.equal(p.err, 0);
}

describe("bad input closes only the offending connection", () => {
  test("garbage bytes", async () => {
    await sendAndAwaitClose([Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")]);
    await assertHealthy("/garbage");
  });

  test("negative frame length", async () => {
    const b = Buffer.alloc(8);
    b.writeInt32BE(-5, 0);
    await sendAndAwaitClose([b]);
    await assertHealthy("/neg");
  });

  test("oversized frame length (> maxBuffer) on a session", async () => {
    const c = await RawClient.connect(server.port);
    const b = Buffer.alloc(8);
    b.writeInt32BE(0xfffff + 1, 0);
    c.send(b);
    await c.closedPromise;
    await assertHealthy("/oversized");
  });

  test("truncated frame, then the client closes", async () => {
    const c = await RawClient.connect(server.port);
    const f = createFrame(c, "/truncated");
    c.send(f.subarray(0, f.length - 3));
    c.socket.end();
    await c.closedPromise;
    await assertHealthy("/truncated");
  });

  test("unknown opcode → UNIMPLEMENTED, then close", async () => {
    const c = await RawClient.connect(server.port);
    const r = await c.call<null, null>(999, null, null, null);
    assert.equal(r.err, ErrorCode.UNIMPLEMENTED);
    c.send(createFrame(c, "/after-unknown", 7)); // must not be applied
    await c.closedPromise;
    await assertHealthy("/after-unknown");
  });

  test("a request frame before the handshake", async () => {
    const c = await RawClient.open(server.port);
    c.send(createFrame(c, "/before-handshake", 0));
    c.send(createFrame(c, "/before-handshake2", 1));
    await c.closedPromise;
    await assertHealthy("/before-handshake");
    await assertHealthy("/before-handshake2");
  });

  test("an undecodable request body → MARSHALLINGERROR, then close, nothing applied", async () => {
    const c = await RawClient.connect(server.port);
    const f = createFrame(c, "/undecodable");
    // Cut the body short but keep the frame length consistent: the ACL vector is truncated.
    const cut = f.subarray(0, f.length - 6);
    cut.writeInt32BE(cut.length - 4, 0);
    c.send(cut);
    const r = await c.reply(null);
    assert.equal(r.err, ErrorCode.MARSHALLINGERROR);
    await c.closedPromise;
    await assertHealthy("/undecodable");
  });

  test("a header shorter than 8 bytes", async () => {
    const c = await RawClient.connect(server.port);
    c.send(Buffer.from([0, 0, 0, 3, 1, 2, 3]));
    await c.closedPromise;
    await assertHealthy("/short");
  });

  test("a multi mixing read and write ops → MARSHALLINGERROR, nothing applied", async () => {
    const c = await RawClient.connect(server.port);
    const w = c.frame(OpCode.multi, null, null);
    // Hand-built: create op, then a getData op (not allowed in a write multi), then terminator.
    const body = Buffer.concat([
      Buffer.from([0, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff]),
      encode(records.CreateRequest, { path: "/mixed", data: null, acl: OPEN, flags: 0 }),
      Buffer.from([0, 0, 0, 4, 0, 0xff, 0xff, 0xff, 0xff]),
      encode(records.PathWatchRequest, { path: "/", watch: false }),
      Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 0xff, 0xff, 0xff, 0xff]),
    ]);
    const frame = Buffer.concat([w, body]);
    frame.writeInt32BE(frame.length - 4, 0);
    c.send(frame);
    const r = await c.reply(null);
    assert.equal(r.err, ErrorCode.MARSHALLINGERROR);
    await c.closedPromise;
    await assertHealthy("/mixed");
  });

  test("the process survives a burst of random junk on many sockets", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const junk = Buffer.alloc(64 + i * 13);
        for (let j = 0; j < junk.length; j++) junk[j] = (j * 7919 + i * 104729) & 0xff;
        return sendAndAwaitClose([junk], true);
      }),
    );
    await assertHealthy("/junk");
    assert.ok(server.stats().sessions >= 1);
  });
});
