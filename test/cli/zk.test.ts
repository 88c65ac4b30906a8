/** `overseer zk …` against a live embedded server: happy paths, error messages and exit codes. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { freePort } from "../harness/ports.js";
import { runCli } from "./run-cli.js";

describe("overseer zk", () => {
  let server: RunningServer;
  let connect: string[];
  before(async () => {
    server = await startServer({ port: 0 });
    connect = ["--connect", server.connectString];
  });
  after(async () => {
    await server.close();
  });

  test("create (with parents, sequential), ls, get, stat, set, tree, delete -r", async () => {
    const created = await runCli(["zk", "create", "/cli/a/b", "hello", "-p", ...connect]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), "/cli/a/b");
    const seq = await runCli(["zk", "create", "/cli/s-", "-s", ...connect]);
    assert.equal(seq.stdout.trim(), "/cli/s-0000000001");

    const ls = await runCli(["zk", "ls", "/cli", ...connect]);
    assert.deepEqual(ls.stdout.trim().split("\n"), ["a", "s-0000000001"]);

    const get = await runCli(["zk", "get", "/cli/a/b", "--json", ...connect]);
    const parsed = JSON.parse(get.stdout) as { data: string; stat: { version: number; dataLength: number } };
    assert.equal(parsed.data, "hello");
    assert.equal(parsed.stat.dataLength, 5);

    const set = await runCli(["zk", "set", "/cli/a/b", "v2", "--if-version", "0", ...connect]);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), "version 1");
    const stat = await runCli(["zk", "stat", "/cli/a/b", ...connect]);
    assert.match(stat.stdout, /^dataVersion = 1$/m);

    const tree = await runCli(["zk", "tree", "/cli", ...connect]);
    assert.equal(tree.stdout, "/cli\n  a\n    b\n  s-0000000001\n");

    const del = await runCli(["zk", "delete", "/cli", "-r", ...connect]);
    assert.equal(del.stdout.trim(), "deleted 4 nodes");
    const gone = await runCli(["zk", "stat", "/cli", ...connect]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no node at \/cli/);
  });

  test("a failed operation names the error and the path, exit code 1", async () => {
    await runCli(["zk", "create", "/v", "x", ...connect]);
    const bad = await runCli(["zk", "set", "/v", "y", "--if-version", "7", ...connect]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /BADVERSION.*\/v/);
    const exists = await runCli(["zk", "create", "/v", ...connect]);
    assert.equal(exists.code, 1);
    assert.match(exists.stderr, /NODEEXISTS/);
    // Said once: the code and the path are not repeated.
    assert.equal(exists.stderr.match(/NODEEXISTS/g)?.length, 1, exists.stderr);
  });

  test("usage errors exit 2", async () => {
    const missing = await runCli(["zk", "ls", ...connect]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing required argument/);
    const conflicting = await runCli(["zk", "create", "/c", "--container", "--ttl", "100", ...connect]);
    assert.equal(conflicting.code, 2);
    assert.match(conflicting.stderr, /--container cannot be combined/);
  });

  test("an unreachable server names the address and suggests `overseer server` or --connect, exit code 3", async () => {
    const port = await freePort();
    const res = await runCli(["zk", "ls", "/", "--connect-timeout", "500"], {
      OVERSEER_CONNECT: `127.0.0.1:${port}`,
    });
    assert.equal(res.code, 3);
    assert.match(res.stderr, new RegExp(`cannot reach ZooKeeper at 127\\.0\\.0\\.1:${port}`));
    assert.match(res.stderr, /overseer server/);
    assert.match(res.stderr, /--connect/);
  });
});
