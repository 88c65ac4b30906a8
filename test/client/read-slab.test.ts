/**
 * The client's sockets read into slices of a shared slab (`onread`). Frames are handed on as views
 * of those reads, so a read must never land in memory an earlier read used: here through a real
 * socket pair (plain TCP) with more data than several slabs hold, every chunk kept, and each
 * compared with what was sent once everything has arrived.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { once } from "node:events";
import { test } from "node:test";
import { slabReader } from "../../src/client/read-slab.js";
import { LOOPBACK } from "../harness/ports.js";

test("every chunk keeps its bytes after later reads, across slab replacements", async () => {
  // 40 messages of 20 KiB: over 6 slabs of 128 KiB, and reads of every size the kernel chooses.
  const sent = Array.from({ length: 40 }, (_, i) => Buffer.alloc(20 * 1024, i + 1));
  const expected = Buffer.concat(sent);
  const server = net.createServer((s) => {
    // One write per turn so the reads come in many sizes.
    let i = 0;
    const next = (): void => {
      const msg = sent[i++];
      if (msg === undefined) s.end();
      else s.write(msg, () => setImmediate(next));
    };
    next();
  });
  server.listen(0, LOOPBACK);
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  const chunks: Buffer[] = [];
  const sock = net.connect({ port, host: LOOPBACK, onread: slabReader((c) => chunks.push(c)) });
  await once(sock, "close");
  server.close();
  const slabs = new Set(chunks.map((c) => c.buffer));
  assert.ok(slabs.size >= 6, `expected several slabs, got ${slabs.size}`);
  assert.ok(chunks.length > 1, "expected more than one read");
  assert.equal(Buffer.concat(chunks).length, expected.length);
  assert.ok(Buffer.concat(chunks).equals(expected), "a later read overwrote an earlier chunk");
});
