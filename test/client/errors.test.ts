import assert from "node:assert/strict";
import { test } from "node:test";
import { ERROR_CODES } from "../../src/protocol/index.js";
import {
  BadArgumentsError,
  ClientClosedError,
  ConnectionLossError,
  NoNodeError,
  NodeExistsError,
  NoWatcherError,
  SessionExpiredError,
  ZooKeeperError,
  createError,
} from "../../src/client/index.js";

test("every code of the protocol table maps to a ZooKeeperError with that code", () => {
  for (const info of ERROR_CODES) {
    if (info.code === 0) continue;
    const e = createError(info.code, "/p");
    assert.ok(e instanceof ZooKeeperError);
    assert.equal(e.code, info.code);
    assert.equal(e.codeName, info.name);
    assert.equal(e.retriable, info.retriable);
    assert.equal(e.path, "/p");
    assert.ok(e.message.includes(info.name) && e.message.includes("/p"), e.message);
  }
});

test("codes callers branch on get their own subclass and name", () => {
  const cases: [number, new () => ZooKeeperError, string][] = [
    [-101, NoNodeError, "NoNodeError"],
    [-110, NodeExistsError, "NodeExistsError"],
    [-4, ConnectionLossError, "ConnectionLossError"],
    [-112, SessionExpiredError, "SessionExpiredError"],
    [-8, BadArgumentsError, "BadArgumentsError"],
    [-121, NoWatcherError, "NoWatcherError"],
  ];
  for (const [code, cls, name] of cases) {
    const e = createError(code);
    assert.ok(e instanceof cls, name);
    assert.equal(e.name, name);
  }
  assert.equal(createError(-4).retriable, true);
  assert.equal(createError(-112).retriable, false);
});

test("unknown codes do not throw", () => {
  const e = createError(-9999);
  assert.equal(e.code, -9999);
  assert.equal(e.retriable, false);
});

test("ClientClosedError is a SessionExpiredError", () => {
  const e = new ClientClosedError();
  assert.ok(e instanceof SessionExpiredError);
  assert.equal(e.name, "ClientClosedError");
  assert.equal(e.code, -112);
});

test("cause is kept", () => {
  const cause = new Error("socket");
  assert.equal(createError(-4, undefined, cause).cause, cause);
});
