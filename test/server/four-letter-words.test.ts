/** Four-letter words on the client port: detection, whitelist, and output formats. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { once } from "node:events";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { RawClient } from "./raw-client.js";

async function fourLetter(port: number, word: string): Promise<string> {
  const s = connect(port, "127.0.0.1");
  await once(s, "connect");
  const got: Buffer[] = [];
  s.on("data", (d: Buffer) => got.push(d));
  const closed = once(s, "close");
  s.write(word);
  await closed;
  return Buffer.concat(got).toString("utf8");
}

describe("four-letter words", () => {
  let all: RunningServer;
  let dflt: RunningServer;
  before(async () => {
    all = await startServer({ port: 0, fourLetterWords: "*" });
    dflt = await startServer({ port: 0 });
  });
  after(async () => {
    await all.close();
    await dflt.close();
  });

  test("ruok → imok", async () => {
    assert.equal(await fourLetter(all.port, "ruok"), "imok");
  });

  test("srvr reports standalone mode, zxid and node count", async () => {
    const text = await fourLetter(dflt.port, "srvr");
    assert.match(text, /^Zookeeper version: 3\.8\.\S+/);
    assert.match(text, /\nMode: standalone\n/);
    assert.match(text, /\nZxid: 0x[0-9a-f]+\n/);
    assert.match(text, /\nNode count: 5\n$/);
  });

  test("the default whitelist is srvr only; others get Apache's refusal text", async () => {
    assert.equal(
      await fourLetter(dflt.port, "ruok"),
      "ruok is not executed because it is not in the whitelist.\n",
    );
  });

  test("stat lists clients; mntr is tab-separated; wchs counts watches", async () => {
    const c = await RawClient.connect(all.port);
    await c.exists("/x", true);
    const stat = await fourLetter(all.port, "stat");
    assert.match(stat, /\nClients:\n( \/127\.0\.0\.1:\d+\[1\]\(queued=0,recved=\d+,sent=\d+\)\n)+\n/);
    const mntr = await fourLetter(all.port, "mntr");
    assert.match(mntr, /^zk_version\t.+\nzk_server_state\tstandalone\n/);
    assert.match(mntr, /\nzk_watch_count\t1\n/);
    assert.equal(await fourLetter(all.port, "wchs"), "1 connections watching 1 paths\nTotal watches:1\n");
    await c.close();
  });

  test("a 4lw is only recognised as the first bytes of a connection", async () => {
    const c = await RawClient.connect(all.port);
    c.send(Buffer.from("ruok"));
    await c.closedPromise; // read as a huge frame length → closed, not answered
    assert.equal(c.events.length, 0);
  });
});
