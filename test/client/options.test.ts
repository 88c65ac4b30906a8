import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_SESSION_TIMEOUT,
  InvalidArgumentError,
  ZooKeeperClient,
  parseOptions,
  type ClientOptions,
} from "../../src/client/index.js";

test("defaults", () => {
  const o = parseOptions({ connectString: "h:1" });
  assert.equal(o.sessionTimeout, DEFAULT_SESSION_TIMEOUT);
  assert.equal(o.connectTimeout, DEFAULT_CONNECT_TIMEOUT);
  assert.equal(o.checkArguments, true);
  assert.equal(o.shuffleHosts, true);
  assert.deepEqual(o.auth, []);
  assert.equal(o.requestTimeout, 0);
});

test("options are copied, never mutated", () => {
  const auth = [{ scheme: "digest", auth: "u:p" }];
  const input: ClientOptions = { connectString: "h:1", sessionTimeout: 5000, auth };
  const frozen = JSON.stringify(input);
  const o = parseOptions(input);
  assert.equal(JSON.stringify(input), frozen);
  auth.push({ scheme: "x", auth: "y" });
  assert.equal(o.auth.length, 1);
});

test("bad options throw InvalidArgumentError naming the field", () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ connectString: "" }, "connectString"],
    [{ connectString: "h:1", sessionTimeout: 0 }, "sessionTimeout"],
    [{ connectString: "h:1", sessionTimeout: 1.5 }, "sessionTimeout"],
    [{ connectString: "h:1", sessionTimeout: "30" }, "sessionTimeout"],
    [{ connectString: "h:1", connectTimeout: -1 }, "connectTimeout"],
    [{ connectString: "h:1", reconnectDelay: -1 }, "reconnectDelay"],
    [{ connectString: "h:1", shuffleHosts: "yes" }, "shuffleHosts"],
    [{ connectString: "h:1", checkArguments: 1 }, "checkArguments"],
    [{ connectString: "h:1", auth: [{ scheme: "", auth: "x" }] }, "auth[0].scheme"],
    [{ connectString: "h:1", auth: [{ scheme: "digest", auth: 5 }] }, "auth[0].auth"],
    [{ connectString: "h:1", logger: { info() {} } }, "logger"],
    [{ connectString: "h:1", sessionTimout: 5 }, "sessionTimout"],
    [{ connectString: "h:1", requestTimeout: -5 }, "requestTimeout"],
  ];
  for (const [opts, field] of bad) {
    assert.throws(
      () => parseOptions(opts as unknown as ClientOptions),
      (e: unknown) => e instanceof InvalidArgumentError && e.argument === field,
      `${JSON.stringify(opts)} should blame ${field}`,
    );
  }
});

test("close() before connect, twice, and operations after close", async () => {
  const c = new ZooKeeperClient({ connectString: "127.0.0.1:1" });
  assert.equal(c.state, "latent");
  await c.close();
  await c.close();
  assert.equal(c.state, "closed");
  await assert.rejects(c.getData("/x"), { name: "ClientClosedError" });
  await assert.rejects(c.connect(), { name: "ClientClosedError" });
});

test("connect() to nothing rejects after connectTimeout and leaves nothing running", async () => {
  const c = new ZooKeeperClient({ connectString: "127.0.0.1:1", connectTimeout: 300, reconnectDelay: 50 });
  await assert.rejects(c.connect(), { name: "OperationTimeoutError" });
  assert.equal(c.state, "closed");
  await c.close();
});

test("client-side argument checks reject with BadArgumentsError before anything is sent", async () => {
  const c = new ZooKeeperClient({ connectString: "127.0.0.1:1" });
  await assert.rejects(c.create("no-slash"), { name: "BadArgumentsError" });
  await assert.rejects(c.create("/a", null, { mode: 9 }), { name: "BadArgumentsError" });
  await assert.rejects(c.create("/a", null, { mode: 5 }), { name: "BadArgumentsError" });
  await assert.rejects(c.delete("/a", 1.5), { name: "InvalidArgumentError" });
  await c.close();
});
