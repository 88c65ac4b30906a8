/**
 * Waiting handles of one submitter share one session listener (SessionWaits): an aborted wait ends
 * alone with its signal's reason, the others keep waiting and still get their outcomes; closing the
 * client ends every wait still on with SessionExpiredError — both servers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { SessionExpiredError } from "../../src/client/index.js";
import { Master, Submitter, Worker } from "../../src/tasks/index.js";
import { cleanup, client } from "./helpers.js";

forEachBackend("tasks: waiting handles", (backend) => {
  test("an abort ends one wait; the rest get their outcomes; a closed client ends the rest", async () => {
    const root = uniqueRoot("waits");
    const zk = await client(backend());
    await zk.create(root, null);
    const subClient = await client(backend());
    const sub = new Submitter(subClient, { root });
    const hs = await sub.submitMany(Array.from({ length: 5 }, () => ({ type: "t" })));
    const aborter = new AbortController();
    const aborted = hs[0]?.result({ signal: aborter.signal });
    const others = hs.slice(1, 3).map((h) => h.result());
    aborter.abort(new Error("enough"));
    await assert.rejects(aborted ?? Promise.resolve(), /enough/);

    const master = new Master(zk, { root });
    cleanup(() => master.close());
    await master.start();
    const w = new Worker(zk, { t: (ctx) => ctx.id }, { root, id: "w" });
    cleanup(() => w.close());
    await w.start();
    assert.deepEqual(
      await Promise.all(others),
      hs.slice(1, 3).map((h) => h.id),
    );
    await w.close();

    // Tasks nobody will run now: their waits end when the submitter's client closes.
    const more = await sub.submitMany(Array.from({ length: 3 }, () => ({ type: "t" })));
    const waiting = more.map((h) => h.result());
    await new Promise((r) => setTimeout(r, 100));
    await subClient.close();
    for (const p of waiting) await assert.rejects(p, SessionExpiredError);
  });
});
