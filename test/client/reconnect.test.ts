/**
 * Reconnect behaviour through a proxy we can cut: suspended → reconnected with the same session,
 * in-flight requests fail with a retriable ConnectionLossError, requests made while suspended are
 * sent after the reconnect, and a watch set before the cut fires after it (SetWatches catch-up).
 * Then the session is lost when no server is reachable for the session timeout.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ConnectionLossError,
  CreateMode,
  SessionExpiredError,
  ZooKeeperClient,
  type StateEvent,
  type WatchEvent,
} from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { startTcpProxy } from "../harness/tcp-proxy.js";
import { startPausableProxy, type PausableProxy } from "./pausable-proxy.js";

async function nextState(it: AsyncIterator<StateEvent>, ...types: StateEvent["type"][]): Promise<StateEvent> {
  for (;;) {
    const r = await it.next();
    if (r.done === true) throw new Error(`state stream ended before "${types.join('" or "')}"`);
    if (types.includes(r.value.type)) return r.value;
  }
}

/** A connected client (reconnectDelay 20 ms) through a pausable proxy to `target`; disposing closes both. */
async function proxiedClient(
  target: { host: string; port: number },
  sessionTimeout: number,
): Promise<{ proxy: PausableProxy; c: ZooKeeperClient; [Symbol.asyncDispose](): Promise<void> }> {
  const proxy = await startPausableProxy(target.host, target.port);
  const c = new ZooKeeperClient({ connectString: proxy.connectString, sessionTimeout, reconnectDelay: 20 });
  const dispose = async (): Promise<void> => {
    await c.close();
    await proxy.close();
  };
  try {
    await c.connect();
  } catch (err) {
    await dispose();
    throw err;
  }
  return { proxy, c, [Symbol.asyncDispose]: dispose };
}

forEachBackend("client reconnect", (backend) => {
  test("a cut connection: suspended, in-flight requests fail, reconnected with the same session, watches caught up", async () => {
    const proxy = await startPausableProxy(backend().host, backend().port);
    const direct = new ZooKeeperClient({ connectString: backend().connectString });
    const c = new ZooKeeperClient({
      connectString: proxy.connectString,
      sessionTimeout: 4000,
      reconnectDelay: 20,
    });
    try {
      await direct.connect();
      const states = c.states();
      await c.connect();
      await nextState(states, "connected");
      const sessionId = c.sessionId;
      const root = uniqueRoot("reconnect");
      await c.create(root, "v0");
      await c.create(`${root}/eph`, null, { mode: CreateMode.EPHEMERAL });
      const dataEvent = new Promise<WatchEvent>((resolve) => void c.getData(root, { watch: resolve }));
      await c.getData(root); // the watch is registered once this later reply is in
      const childEvent = new Promise<WatchEvent>((resolve) => void c.getChildren(root, { watch: resolve }));
      await c.sync(root);

      proxy.block();
      const inFlight = Array.from({ length: 20 }, () => c.exists(root));
      proxy.cut();
      const results = await Promise.allSettled(inFlight);
      for (const r of results) {
        assert.equal(r.status, "rejected");
        assert.ok(r.reason instanceof ConnectionLossError, String(r.reason));
        assert.equal(r.reason.retriable, true);
      }
      await nextState(states, "suspended");
      assert.equal(c.state, "suspended");

      // Changes while we are away; a request made now waits for the reconnect.
      await direct.setData(root, "v1");
      await direct.create(`${root}/new`);
      const queued = c.getData(`${root}/new`);
      proxy.unblock();
      const reconnected = await nextState(states, "reconnected");
      assert.ok(reconnected.type === "reconnected" && reconnected.sessionId === sessionId);
      assert.equal(c.sessionId, sessionId);
      assert.ok((await queued).stat.czxid > 0n);
      assert.deepEqual(await dataEvent, { type: "NodeDataChanged", path: root });
      assert.deepEqual(await childEvent, { type: "NodeChildrenChanged", path: root });
      assert.notEqual(await direct.exists(`${root}/eph`), null, "the session, and its ephemeral, survived");
      // The first link and the reconnect; and at most one more: an attempt refused while blocked (closed
      // without a reply) is followed by one TLS probe to tell a TLS port from a server not serving yet
      // (client/attempt.ts), which the proxy counts if it lands just after unblock().
      assert.ok(proxy.accepted === 2 || proxy.accepted === 3, `accepted ${proxy.accepted} links`);
    } finally {
      await c.close();
      await direct.close();
      await proxy.close();
    }
  });

  test("no server reachable for the session timeout: lost, and every request fails with SessionExpiredError", async () => {
    await using p = await proxiedClient(backend(), 1000);
    const { proxy, c } = p;
    const states = c.states();
    proxy.block();
    proxy.cut();
    await nextState(states, "suspended");
    const waiting = c.exists("/");
    const lost = await nextState(states, "lost");
    assert.ok(lost.type === "lost" && lost.reason instanceof SessionExpiredError);
    await assert.rejects(waiting, SessionExpiredError);
    await assert.rejects(c.exists("/"), SessionExpiredError);
    assert.equal(c.state, "lost");
    assert.deepEqual(await states.next(), { value: undefined, done: true });
  });

  test("a session that expires while disconnected ends in lost, never in reconnected", async () => {
    const proxy = await startPausableProxy(backend().host, backend().port);
    const direct = new ZooKeeperClient({ connectString: backend().connectString });
    // The server's negotiated timeout is what counts; we reconnect before our local rule fires.
    const c = new ZooKeeperClient({
      connectString: proxy.connectString,
      sessionTimeout: 2000,
      reconnectDelay: 20,
    });
    try {
      await direct.connect();
      await c.connect();
      const root = uniqueRoot("expired");
      await direct.create(root);
      await c.create(`${root}/eph`, null, { mode: CreateMode.EPHEMERAL });
      const states = c.states();
      const gone = new Promise<WatchEvent>(
        (resolve) => void direct.exists(`${root}/eph`, { watch: resolve }),
      );
      await direct.sync("/");
      // Freeze the link without closing it: the server stops hearing from us and expires the session.
      proxy.block();
      proxy.cut();
      await nextState(states, "suspended");
      await gone;
      proxy.unblock();
      const lost = await nextState(states, "lost");
      assert.ok(lost.type === "lost");
      await assert.rejects(c.getData(root), SessionExpiredError);
    } finally {
      await c.close();
      await direct.close();
      await proxy.close();
    }
  });

  test("an idle session is kept alive by pings sent on send idleness (PROTOCOL.md §7.7)", async () => {
    let pings = 0;
    let enough!: () => void;
    const threePings = new Promise<void>((resolve) => (enough = resolve));
    const proxy = await startTcpProxy(backend().port, {
      onFrame: (f) => {
        if (f.direction === "c2s" && f.bytes.length === 12 && f.bytes.readInt32BE(4) === -2 && ++pings === 3)
          enough();
      },
    });
    const c = new ZooKeeperClient({ connectString: proxy.connectString, sessionTimeout: 1000 });
    const seen: string[] = [];
    c.on("state", (e) => seen.push(e.type));
    try {
      await c.connect();
      const started = performance.now();
      await threePings;
      const elapsed = performance.now() - started;
      // Three pings at ~timeout/3 spacing; the server never expired us meanwhile.
      assert.ok(elapsed >= 2 * (c.sessionTimeout / 3) * 0.9, `3 pings after ${Math.round(elapsed)} ms`);
      assert.deepEqual(seen, ["connected"]);
      assert.notEqual(await c.exists("/"), null);
    } finally {
      await c.close();
      await proxy.close();
    }
  });

  test("a server that stops answering is dropped after the read timeout (2/3 of the session timeout)", async () => {
    await using p = await proxiedClient(backend(), 3000);
    const { proxy, c } = p;
    const states = c.states();
    proxy.freeze();
    const frozenAt = performance.now();
    const hung = c.exists("/");
    const suspended = await nextState(states, "suspended");
    const elapsed = performance.now() - frozenAt;
    assert.ok(
      suspended.type === "suspended" && /no reply/.test(suspended.reason.message),
      JSON.stringify(suspended.type),
    );
    assert.ok(elapsed >= 1500 && elapsed < 3000, `read timeout after ${Math.round(elapsed)} ms`);
    await assert.rejects(hung, ConnectionLossError);
    await nextState(states, "reconnected");
  });

  test("an attempt the server accepts and never answers is given up in time to try again within the session timeout", async () => {
    await using p = await proxiedClient(backend(), 3000);
    const { proxy, c } = p;
    const sessionId = c.sessionId;
    const states = c.states();
    proxy.swallow(1);
    proxy.cut();
    await nextState(states, "suspended");
    const next = await nextState(states, "reconnected", "lost");
    assert.equal(next.type, "reconnected", "one silent attempt must not use up the session timeout");
    assert.equal(c.sessionId, sessionId);
    assert.equal(proxy.accepted, 3, "the first connection, the silent attempt, the one that reconnected");
  });
});
