import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ERROR_CODES,
  ErrorCode,
  errorInfo,
  isKnownErrorCode,
  pathProblem,
  parentOf,
  joinPath,
} from "../../src/protocol/index.js";

test("the error table has every 3.8 code once, with connection-level codes retriable", () => {
  const codes = ERROR_CODES.map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length);
  assert.equal(codes.length, 32);
  assert.equal(errorInfo(ErrorCode.CONNECTIONLOSS).retriable, true);
  assert.equal(errorInfo(ErrorCode.OPERATIONTIMEOUT).retriable, true);
  assert.equal(errorInfo(ErrorCode.NONODE).retriable, false);
  assert.equal(errorInfo(ErrorCode.SESSIONEXPIRED).retriable, false);
  assert.equal(errorInfo(-110).name, "NODEEXISTS");
  assert.equal(isKnownErrorCode(-109), false);
  assert.equal(errorInfo(-109).name, "UNKNOWN(-109)");
});

test("path validation follows PathUtils", () => {
  assert.equal(pathProblem("/"), null);
  assert.equal(pathProblem("/a/b-c_0000000001"), null);
  assert.equal(pathProblem("/a.b/..c"), null);
  for (const bad of [
    "",
    "a",
    "/a/",
    "//a",
    "/a//b",
    "/a/./b",
    "/a/..",
    "/a\u0000b",
    "/a\u0001",
    "/a\u007f",
    "/\ud800",
    "/\ufff5",
  ]) {
    assert.notEqual(pathProblem(bad), null, `expected ${JSON.stringify(bad)} to be invalid`);
  }
  assert.equal(parentOf("/a/b"), "/a");
  assert.equal(parentOf("/a"), "/");
  assert.equal(joinPath("/", "a"), "/a");
  assert.equal(joinPath("/a", "b"), "/a/b");
});
