import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError, parseConnectString } from "../../src/client/index.js";
import { prefixPath, stripPath } from "../../src/client/connect-string.js";

test("hosts, default port, chroot", () => {
  assert.deepEqual(parseConnectString("a:1,b:2/app/x"), {
    hosts: [
      { host: "a", port: 1 },
      { host: "b", port: 2 },
    ],
    chroot: "/app/x",
  });
  assert.deepEqual(parseConnectString("zk"), { hosts: [{ host: "zk", port: 2181 }], chroot: null });
  assert.deepEqual(parseConnectString(" h:3/ "), { hosts: [{ host: "h", port: 3 }], chroot: null });
  assert.deepEqual(parseConnectString("[::1]:2182,[fe80::1]"), {
    hosts: [
      { host: "::1", port: 2182 },
      { host: "fe80::1", port: 2181 },
    ],
    chroot: null,
  });
});

test("bad connect strings name the problem", () => {
  for (const bad of [
    "",
    "   ",
    "a:b",
    "a:0",
    "a:70000",
    "a:1,,b:2",
    ":1",
    "a:1/bad/",
    "a:1//x",
    "::1:2181",
    "[::1",
  ]) {
    assert.throws(() => parseConnectString(bad), InvalidArgumentError, JSON.stringify(bad));
  }
  assert.throws(() => parseConnectString("a:1/x/"), /invalid chroot "\/x\/"/);
});

test("chroot mapping both ways", () => {
  assert.equal(prefixPath("/app", "/"), "/app");
  assert.equal(prefixPath("/app", "/x/y"), "/app/x/y");
  assert.equal(prefixPath(null, "/x"), "/x");
  assert.equal(stripPath("/app", "/app"), "/");
  assert.equal(stripPath("/app", "/app/x"), "/x");
  assert.equal(stripPath("/app", "/apple"), "/apple");
  assert.equal(stripPath(null, "/x"), "/x");
});
